import { randomUUID } from 'node:crypto';
import { NewEvent, RecordedEvent } from '@ipstd/event-store';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { AppendProjection, CHECKPOINTS_TABLE, ProjectionRunner, migrateEventStore } from '@ipstd/platform';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres';

/**
 * Projection versions (ADR 0004): the version a projection declares is stored with its checkpoint, and
 * a process that starts with another version rebuilds the table from the log instead of continuing
 * from the checkpoint. On real PostgreSQL, with the real event store and runner.
 */

const META = { actor: { userId: 'test', role: 'system', organisation: null }, correlationId: 'c', causationId: null, effectiveAt: '2024-11-01T00:00:00.000Z', idempotencyKey: null };
const counted = (n: number): NewEvent => ({ eventId: randomUUID(), type: 'Counted', schemaVersion: 1, data: { n }, metadata: META });
const nOf = (event: RecordedEvent): number => {
  const n = (event.data as { n?: unknown }).n;
  if (typeof n !== 'number') throw new Error(`Counted without n at ${event.globalPosition}`);
  return n;
};

/** One projection in several builds: `factor` stands for its code (what rows it makes of an event). */
const countedProjection = (version: number, factor: number): AppendProjection => ({
  kind: 'append',
  name: 'counted',
  version,
  table: { name: 'rm_counted', columns: { position: 'bigint', n: 'int', value: 'int' }, primaryKey: ['position'] },
  handles: ['Counted'],
  rowsFor: (event) => [{ position: event.globalPosition.toString(), n: nOf(event), value: nOf(event) * factor }],
});

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('projection versions: a changed version rebuilds from the log', () => {
  let db: TestDatabase;
  let writer: PostgresEventStore;
  const stores: PostgresEventStore[] = [];
  let warnings: Array<Record<string, unknown>> = [];

  /** A process starting with this build of the projection (its own store, so its own subscription runner). */
  function processWith(projection: AppendProjection): ProjectionRunner {
    const store = new PostgresEventStore(db.pool, { pollIntervalMs: 20 });
    stores.push(store);
    const log = { log: () => undefined, error: () => undefined, warn: (message: unknown) => void warnings.push(message as Record<string, unknown>) };
    return new ProjectionRunner(db.pool, store, [projection], { log, retryDelayMs: 50 });
  }

  const checkpoint = async () =>
    (await db.pool.query<{ position: string; version: number | null }>(`select position, version from ${CHECKPOINTS_TABLE} where name = 'counted'`)).rows[0];
  /** value by n, in log order. */
  const rows = async () => (await db.pool.query<{ n: number; value: number }>('select n, value from rm_counted order by position')).rows.map((r) => [r.n, r.value]);
  const append = async (...ns: number[]) => {
    for (const n of ns) await writer.appendToStream(`counter-${n}`, [counted(n)], { expectedRevision: 'no-stream' });
  };
  const caughtUp = async () => {
    const head = (await writer.headPosition()).toString();
    await until(async () => (await checkpoint())?.position === head, 'the checkpoint at the head');
  };

  beforeAll(async () => {
    db = await createTestDatabase('projver');
    writer = new PostgresEventStore(db.pool, { pollIntervalMs: 20 });
    await migrateEventStore(db.pool);
  });

  beforeEach(() => {
    warnings = [];
  });

  afterAll(async () => {
    for (const store of [writer, ...stores]) await store.close();
    await db.drop();
  });

  it('creates the table at the first start and stores the version with the checkpoint', async () => {
    await append(1, 2, 3);
    const runner = processWith(countedProjection(1, 1));
    expect(await runner.prepare()).toEqual({ counted: 'created' });
    await runner.start();
    await caughtUp();
    await runner.stop();
    expect(await rows()).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect((await checkpoint()).version).toBe(1);
  });

  it('the same version resumes from the checkpoint, even when the code changed without a bump', async () => {
    // A row the runner would put back if it replayed the log.
    await db.pool.query('delete from rm_counted where n = 2');
    const runner = processWith(countedProjection(1, 10));
    expect(await runner.prepare()).toEqual({ counted: 'resumed' });
    expect(warnings).toEqual([]);
    expect(await rows()).toEqual([[1, 1], [3, 3]]);
    // The changed code applies from the checkpoint on only: the old rows keep what the old code made.
    await runner.start();
    await append(4);
    await caughtUp();
    await runner.stop();
    expect(await rows()).toEqual([[1, 1], [3, 3], [4, 40]]);
    expect((await checkpoint()).version).toBe(1);
  });

  it('another version rebuilds the table from the log before the projection resumes', async () => {
    const runner = processWith(countedProjection(2, 10));
    expect(await runner.prepare()).toEqual({ counted: 'rebuilt' });
    expect(warnings).toEqual([expect.objectContaining({ msg: 'projection version changed: rebuilding from the log', projection: 'counted', from: 1, to: 2 })]);
    // Every event, the deleted row included, as the new code makes it.
    expect(await rows()).toEqual([[1, 10], [2, 20], [3, 30], [4, 40]]);
    const head = (await writer.headPosition()).toString();
    expect(await checkpoint()).toEqual({ position: head, version: 2 });
    // And it goes on from there, live.
    await runner.start();
    await append(5);
    await caughtUp();
    await runner.stop();
    expect(await rows()).toEqual([[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]]);
    // Going back to an earlier version is a change too.
    const older = processWith(countedProjection(1, 1));
    expect(await older.prepare()).toEqual({ counted: 'rebuilt' });
    expect(await rows()).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    expect((await checkpoint()).version).toBe(1);
  });

  it('a checkpoint written before versions were stored takes the version of an unchanged definition, without a rebuild', async () => {
    await db.pool.query(`update ${CHECKPOINTS_TABLE} set version = null where name = 'counted'`);
    await db.pool.query('delete from rm_counted where n = 5');
    const same = processWith(countedProjection(1, 1));
    expect(await same.prepare()).toEqual({ counted: 'resumed' });
    expect((await checkpoint()).version).toBe(1);
    expect(await rows()).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
    // Without a stored version, another version still changes the definition (which includes it).
    await db.pool.query(`update ${CHECKPOINTS_TABLE} set version = null where name = 'counted'`);
    const bumped = processWith(countedProjection(3, 7));
    expect(await bumped.prepare()).toEqual({ counted: 'rebuilt' });
    expect(warnings).toEqual([expect.objectContaining({ msg: 'projection definition changed: rebuilding from the log', projection: 'counted', version: 3 })]);
    expect(await rows()).toEqual([[1, 7], [2, 14], [3, 21], [4, 28], [5, 35]]);
    expect((await checkpoint()).version).toBe(3);
  });

  it('two processes starting with a new version at once rebuild it once: the second finds it rebuilt', async () => {
    const one = processWith(countedProjection(4, 100));
    const two = processWith(countedProjection(4, 100));
    const prepared = await Promise.all([one.prepare(), two.prepare()]);
    expect(prepared.map((p) => p.counted).sort()).toEqual(['rebuilt', 'resumed']);
    expect(warnings).toHaveLength(1);
    expect(await rows()).toEqual([[1, 100], [2, 200], [3, 300], [4, 400], [5, 500]]);
    expect((await checkpoint()).version).toBe(4);
  });

  it('refuses a projection without a version from 1', () => {
    expect(() => processWith(countedProjection(0, 1))).toThrow('projection counted: version must be an integer from 1, not 0');
    expect(() => processWith(countedProjection(1.5, 1))).toThrow('version must be an integer from 1, not 1.5');
  });
});
