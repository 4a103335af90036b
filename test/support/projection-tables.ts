import { join } from 'node:path';
import { RecordedEvent } from '@ipstd/event-store';
import { Projection, Row, applyEvents, createTableSql, inTransaction } from '@ipstd/platform';
import { EventFixture, readEventFixtures } from '../../scripts/events-catalogue';
import { TestDatabase, createTestDatabase } from './postgres';

/** One event of a given history: its type and data, and optionally who recorded it and when. */
export interface Given {
  readonly type: string;
  readonly data: unknown;
  readonly schemaVersion?: number;
  readonly actor?: { readonly userId: string; readonly role: string; readonly organisation: string | null };
  readonly recordedAt?: string;
  readonly causationId?: string | null;
}

const fixtures = readEventFixtures(join(__dirname, '..', '..'));

/** The stored event of a fixture (test/fixtures/events), as a given event; `patch` changes fields of its data. */
export function fixture(file: string, patch: Record<string, unknown> = {}): Given {
  const found: EventFixture | undefined = fixtures.find((f) => f.file === file);
  if (!found) throw new Error(`no fixture ${file}`);
  return { type: found.type, schemaVersion: found.schemaVersion, data: { ...(found.data as object), ...patch } };
}

/** A stream's events as the log records them: revisions from 1, global positions from `firstPosition`. */
export function recordedStream(streamId: string, given: readonly Given[], firstPosition = 1): RecordedEvent[] {
  return given.map((g, i) => ({
    eventId: `0190a4b2-0000-7000-8000-${String(firstPosition + i).padStart(12, '0')}`,
    type: g.type,
    schemaVersion: g.schemaVersion ?? 1,
    data: g.data,
    metadata: {
      actor: g.actor ?? { userId: 'bureau-1', role: 'programme-admin', organisation: null },
      correlationId: `corr-${streamId}`,
      causationId: g.causationId ?? null,
      effectiveAt: g.recordedAt ?? `2025-01-10T02:00:${String(i % 60).padStart(2, '0')}.000Z`,
      idempotencyKey: null,
    },
    streamId,
    revision: BigInt(i),
    globalPosition: BigInt(firstPosition + i),
    recordedAt: g.recordedAt ?? `2025-01-10T02:00:${String(i % 60).padStart(2, '0')}.000Z`,
    previousHash: null,
    hash: 'x'.repeat(64),
  }));
}

/**
 * A projection's table in a fresh PostgreSQL database, written by the projection writer the runner uses
 * (applyEvents, in a transaction): given events, then rows.
 */
export class ProjectionTable {
  private constructor(
    private readonly db: TestDatabase,
    readonly projection: Projection,
  ) {}

  static async create(projection: Projection, db?: TestDatabase): Promise<ProjectionTable> {
    const database = db ?? (await createTestDatabase('proj'));
    await database.pool.query(createTableSql(projection.table));
    return new ProjectionTable(database, projection);
  }

  /** Applies the events in one batch (as a rebuild does) or one batch per event (as a live subscription may). */
  async given(events: readonly RecordedEvent[], batches: 'one' | 'each' = 'each'): Promise<this> {
    const groups = batches === 'one' ? [events] : events.map((e) => [e]);
    for (const group of groups) await inTransaction(this.db.pool, (client) => applyEvents(client, this.projection, group));
    return this;
  }

  /** Every row, ordered by the primary key; timestamps as ISO strings, bigints as strings (as pg returns them). */
  async rows(): Promise<Row[]> {
    const { rows } = await this.db.pool.query(`select * from ${this.projection.table.name} order by ${this.projection.table.primaryKey.join(', ')}`);
    return rows.map((row: Row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));
  }

  async clear(): Promise<void> {
    await this.db.pool.query(`truncate ${this.projection.table.name}`);
  }

  async drop(): Promise<void> {
    await this.db.drop();
  }
}
