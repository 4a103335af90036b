import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { sha256Hex } from '@ipstd/kernel';
import { inTransaction } from '@ipstd/platform';
import { EventStore, RecordedEvent, Subscription, runMigrations } from '@ipstd/event-store';
import { Projection, createTableSql } from './projection';
import { applyEvents } from './projection-writer';
import { CHECKPOINTS_TABLE, READ_MODEL_MIGRATIONS } from './schema';

export interface ProjectionRunnerOptions {
  readonly batchSize?: number;
  readonly retryDelayMs?: number;
  /** Called after each committed batch with the projection's new checkpoint. */
  readonly onCheckpoint?: (projection: string, position: bigint) => void;
  readonly log?: Pick<Logger, 'log' | 'error' | 'warn'>;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly position: bigint;
  readonly running: boolean;
  readonly lastError: string | null;
}

export function definitionOf(projection: Projection): string {
  return sha256Hex(`${projection.kind}|${projection.handles.join(',')}|${createTableSql(projection.table)}|v${projectionVersion(projection)}`);
}

function projectionVersion(projection: Projection): number {
  return (projection as { version?: number }).version ?? 1;
}

/**
 * Runs each projection from its checkpoint. A batch of events and the checkpoint are committed in
 * one transaction, after locking the checkpoint row and skipping what it already covers, so a crash
 * at any point, a duplicate delivery or a concurrent rebuild all end in the same rows.
 */
export class ProjectionRunner {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly statuses = new Map<string, { position: bigint; running: boolean; lastError: string | null }>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly log: Pick<Logger, 'log' | 'error' | 'warn'>;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.log = options.log ?? new Logger('projections');
  }

  /** Creates checkpoint and read-model tables; rebuilds a projection whose definition changed. */
  async prepare(): Promise<void> {
    await runMigrations(this.pool, 'read-models', READ_MODEL_MIGRATIONS);
    for (const projection of this.projections) {
      const definition = definitionOf(projection);
      const { rows } = await this.pool.query<{ definition: string }>(`select definition from ${CHECKPOINTS_TABLE} where name = $1`, [projection.name]);
      if (rows.length === 0) {
        await this.pool.query(createTableSql(projection.table));
        await this.pool.query(`insert into ${CHECKPOINTS_TABLE} (name, position, definition) values ($1, 0, $2) on conflict do nothing`, [projection.name, definition]);
      } else if (rows[0].definition !== definition) {
        this.log.warn({ msg: 'projection definition changed: rebuilding from the log', projection: projection.name });
        await this.rebuild([projection.name]);
      }
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.prepare();
    for (const projection of this.projections) await this.startOne(projection);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryTimers.forEach(clearTimeout);
    this.retryTimers.clear();
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
  }

  status(): ProjectionStatus[] {
    return this.projections.map((p) => ({ name: p.name, ...(this.statuses.get(p.name) ?? { position: 0n, running: false, lastError: null }) }));
  }

  /** Events in the log that the slowest projection has not applied yet. */
  async lag(): Promise<{ head: bigint; projections: Record<string, bigint> }> {
    const head = await this.store.headPosition();
    const { rows } = await this.pool.query<{ name: string; position: string }>(`select name, position from ${CHECKPOINTS_TABLE}`);
    const positions = new Map(rows.map((r) => [r.name, BigInt(r.position)]));
    return { head, projections: Object.fromEntries(this.projections.map((p) => [p.name, head - (positions.get(p.name) ?? 0n)])) };
  }

  /**
   * Replays the whole log into fresh tables, then swaps them in atomically after catching up under
   * the checkpoint lock. Live projections keep serving (and running) while the rebuild proceeds.
   */
  async rebuild(names: readonly string[] = this.projections.map((p) => p.name), progress?: (position: bigint, head: bigint) => void): Promise<void> {
    const selected = names.map((name) => {
      const projection = this.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`unknown projection ${name}`);
      return projection;
    });
    const fresh = (p: Projection) => `${p.table.name}__rebuild`;
    for (const projection of selected) {
      await this.pool.query(`drop table if exists ${fresh(projection)}`);
      await this.pool.query(createTableSql(projection.table, fresh(projection)));
    }
    // The log is read once; each batch goes to every projection being rebuilt.
    const apply = async (client: PoolClient, batch: readonly RecordedEvent[]) => {
      for (const projection of selected) await applyEvents(client, projection, batch, fresh(projection));
    };
    const head = await this.store.headPosition();
    let position = 0n;
    for (;;) {
      const batch = await this.store.readAll({ after: position, maxCount: 5000 });
      if (batch.length === 0) break;
      await this.inTransaction((client) => apply(client, batch));
      position = batch[batch.length - 1].globalPosition;
      progress?.(position, head);
    }
    await this.inTransaction(async (client) => {
      const names = selected.map((p) => p.name).sort();
      for (const name of names) await client.query(`insert into ${CHECKPOINTS_TABLE} (name, position, definition) values ($1, 0, '') on conflict do nothing`, [name]);
      await client.query(`select position from ${CHECKPOINTS_TABLE} where name = any($1) order by name for update`, [names]);
      for (;;) {
        const batch = await this.store.readAll({ after: position, maxCount: 5000 });
        if (batch.length === 0) break;
        await apply(client, batch);
        position = batch[batch.length - 1].globalPosition;
      }
      for (const projection of selected) {
        const live = projection.table.name;
        await client.query(`drop table if exists ${live}`);
        await client.query(`alter table ${fresh(projection)} rename to ${live}`);
        await client.query(`alter table ${live} rename constraint ${fresh(projection)}_pkey to ${live}_pkey`);
        for (let i = 0; i < (projection.table.indexes ?? []).length; i++) {
          await client.query(`alter index ${fresh(projection)}_ix${i} rename to ${live}_ix${i}`);
        }
        await client.query(`update ${CHECKPOINTS_TABLE} set position = $2, definition = $3, updated_at = now() where name = $1`, [projection.name, position.toString(), definitionOf(projection)]);
      }
    });
    for (const projection of selected) {
      const status = this.statuses.get(projection.name);
      if (status) status.position = position;
    }
    this.log.log({ msg: 'read models rebuilt', projections: selected.map((p) => p.name), position: position.toString() });
  }

  private async startOne(projection: Projection): Promise<void> {
    if (this.stopped) return;
    const { rows } = await this.pool.query<{ position: string }>(`select position from ${CHECKPOINTS_TABLE} where name = $1`, [projection.name]);
    const from = BigInt(rows[0]?.position ?? 0);
    const status = { position: from, running: true, lastError: null as string | null };
    this.statuses.set(projection.name, status);
    const subscription = this.store.subscribeToAll({
      after: from,
      batchSize: this.options.batchSize ?? 500,
      onBatch: async (events) => {
        const position = await this.commitBatch(projection, events);
        status.position = position;
        status.lastError = null;
        this.options.onCheckpoint?.(projection.name, position);
      },
      onError: (error) => {
        status.running = false;
        status.lastError = (error as Error).message;
        this.log.error({ msg: 'projection failed; retrying from its checkpoint', projection: projection.name, error: (error as Error).message });
        this.subscriptions.delete(projection.name);
        if (this.stopped) return;
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          void this.startOne(projection).catch((e) => this.log.error({ msg: 'projection restart failed', error: (e as Error).message }));
        }, this.options.retryDelayMs ?? 1000);
        this.retryTimers.add(timer);
      },
    });
    this.subscriptions.set(projection.name, subscription);
  }

  private async commitBatch(projection: Projection, events: readonly RecordedEvent[]): Promise<bigint> {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<{ position: string }>(`select position from ${CHECKPOINTS_TABLE} where name = $1 for update`, [projection.name]);
      const checkpoint = BigInt(rows[0].position);
      const fresh = events.filter((e) => e.globalPosition > checkpoint);
      if (fresh.length === 0) return checkpoint;
      await applyEvents(client, projection, fresh);
      const position = fresh[fresh.length - 1].globalPosition;
      await client.query(`update ${CHECKPOINTS_TABLE} set position = $2, updated_at = now() where name = $1`, [projection.name, position.toString()]);
      return position;
    });
  }

  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

}
