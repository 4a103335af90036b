import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { NewEvent, RecordedEvent } from '@ipstd/event-store';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { CHECKPOINTS_TABLE, LogConsumer, SubscriptionLagReporter, SubscriptionRunner, migrateEventStore } from '@ipstd/platform';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres';

const META = { actor: { userId: 'test', role: 'system', organisation: null }, correlationId: 'c', causationId: null, effectiveAt: '2024-11-01T00:00:00.000Z', idempotencyKey: null };
const event = (type: string, n: number): NewEvent => ({ eventId: randomUUID(), type, schemaVersion: 1, data: { n }, metadata: META });

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A read model of (consumer, position) rows: applying an event twice breaks the primary key. */
function tableConsumer(name: string, eventTypes: readonly string[] | null, options: { failOnce?: number } = {}): LogConsumer & { failures: number } {
  const consumer = {
    kind: 'transactional' as const,
    name,
    eventTypes,
    retryDelayMs: 50,
    failures: 0,
    async apply(client: PoolClient, events: readonly RecordedEvent[]) {
      for (const e of events) {
        await client.query('insert into seen (consumer, position, type) values ($1, $2, $3)', [name, e.globalPosition.toString(), e.type]);
        if (options.failOnce !== undefined && (e.data as { n: number }).n === options.failOnce && consumer.failures === 0) {
          consumer.failures += 1;
          throw new Error(`${name} fails once at n=${options.failOnce}`);
        }
      }
    },
  };
  return consumer;
}

describe('SubscriptionRunner: one read of the log per process', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const reads: Array<{ eventTypes?: readonly string[] }> = [];

  beforeAll(async () => {
    db = await createTestDatabase('sub');
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
    await migrateEventStore(db.pool);
    await db.pool.query('create table seen (consumer text, position bigint, type text, primary key (consumer, position))');
    const readAll = store.readAll.bind(store);
    store.readAll = (options = {}) => {
      reads.push({ eventTypes: options.eventTypes });
      return readAll(options);
    };
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const seen = async (consumer: string) => (await db.pool.query<{ n: number }>('select count(*)::int as n from seen where consumer = $1', [consumer])).rows[0].n;
  const checkpoint = async (name: string) => BigInt((await db.pool.query<{ position: string }>(`select position from ${CHECKPOINTS_TABLE} where name = $1`, [name])).rows[0]?.position ?? -1);

  it('hands each batch to every consumer from one read, only of the declared types, and moves every checkpoint to where the batch covers the log', async () => {
    for (let i = 0; i < 20; i++) await store.appendToStream(`a-${i}`, [event(i % 2 ? 'B' : 'A', i)], { expectedRevision: 'no-stream' });
    const runner = new SubscriptionRunner(db.pool, store, { batchSize: 500 });
    const handled: RecordedEvent[] = [];
    reads.length = 0;
    await runner.attach(tableConsumer('only-a', ['A']), tableConsumer('only-b', ['B']), { kind: 'reactor', name: 'reactor-a', eventTypes: ['A'], handle: async (events) => void handled.push(...events) });
    await until(async () => (await checkpoint('reactor-a')) === 20n && (await checkpoint('only-a')) === 20n && (await checkpoint('only-b')) === 20n, 'every checkpoint at the head');
    expect(await seen('only-a')).toBe(10);
    expect(await seen('only-b')).toBe(10);
    expect(handled.map((e) => e.type)).toEqual(Array(10).fill('A'));
    // One shared read, of the union of the declared types (the test store counts reads through the port).
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => JSON.stringify(r.eventTypes) === JSON.stringify(['A', 'B']))).toBe(true);

    // Events of no declared type still move the checkpoints (the read covers the log up to its head).
    await store.appendToStream('c-1', [event('C', 100)], { expectedRevision: 'no-stream' });
    await until(async () => (await checkpoint('only-a')) === 21n && (await checkpoint('reactor-a')) === 21n, 'checkpoints past an event nobody handles');
    expect((await runner.lag()).consumers).toEqual({ 'only-a': 0n, 'only-b': 0n, 'reactor-a': 0n });
    await runner.stop();
  });

  it('takes a failing consumer out of the shared transaction: its rows roll back, the others go on, and it is retried alone from its checkpoint', async () => {
    const runner = new SubscriptionRunner(db.pool, store, { batchSize: 500, retryDelayMs: 50 });
    const flaky = tableConsumer('flaky', null, { failOnce: 205 });
    const steady = tableConsumer('steady', null);
    await runner.attach(flaky, steady);
    await until(async () => (await checkpoint('steady')) === 21n && (await checkpoint('flaky')) === 21n, 'both at the head');
    for (let i = 200; i < 210; i++) await store.appendToStream(`f-${i}`, [event('A', i)], { expectedRevision: 'no-stream' });
    await until(async () => (await checkpoint('steady')) === 31n, 'the steady consumer at the head');
    await until(async () => (await checkpoint('flaky')) === 31n, 'the flaky consumer caught up after its retry');
    expect(flaky.failures).toBe(1);
    // Every event exactly once for both (the primary key would refuse a second row; the counts show none is missing).
    expect(await seen('flaky')).toBe(31);
    expect(await seen('steady')).toBe(31);
    expect(runner.statusOf('flaky')).toMatchObject({ state: 'live' });
    await runner.stop();
  });

  it('lets two runners (two processes) project the same consumers at once without applying any event twice', async () => {
    const other = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
    const one = new SubscriptionRunner(db.pool, store, { batchSize: 3 });
    const two = new SubscriptionRunner(db.pool, other, { batchSize: 5 });
    await one.attach(tableConsumer('shared', null));
    await two.attach(tableConsumer('shared', null));
    const writes = Array.from({ length: 60 }, (_, i) => store.appendToStream(`s-${i}`, [event('A', 300 + i)], { expectedRevision: 'no-stream' }));
    await Promise.all(writes);
    const head = await store.headPosition();
    await until(async () => (await checkpoint('shared')) === head, 'the shared checkpoint at the head');
    expect(await seen('shared')).toBe(Number(head));
    await one.stop();
    await two.stop();
    await other.close();
  });

  it('lets a consumer attached behind the shared read catch up on its own and then join it', async () => {
    const runner = new SubscriptionRunner(db.pool, store, { batchSize: 10 });
    await runner.attach(tableConsumer('early', null));
    const head = await store.headPosition();
    await until(async () => (await checkpoint('early')) === head, 'the early consumer at the head');
    const handled: bigint[] = [];
    await runner.attach({ kind: 'reactor', name: 'late', eventTypes: null, handle: async (events) => void handled.push(...events.map((e) => e.globalPosition)) });
    await until(() => runner.statusOf('late')?.state === 'live' && handled.length === Number(head), 'the late reactor caught up');
    await store.appendToStream('late-1', [event('A', 999)], { expectedRevision: 'no-stream' });
    await until(() => handled.length === Number(head) + 1, 'the late reactor served by the shared read');
    expect(handled).toEqual(Array.from({ length: Number(head) + 1 }, (_, i) => BigInt(i + 1)));
    await runner.stop();
  });

  it('reports every consumer\'s lag from the checkpoint table, reactors included', async () => {
    const runner = new SubscriptionRunner(db.pool, store, { batchSize: 500 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await runner.attach(tableConsumer('lag-model', null), { kind: 'reactor', name: 'lag-reactor', eventTypes: null, handle: () => gate });
    const head = await store.headPosition();
    await until(async () => (await checkpoint('lag-model')) === head, 'the read model at the head');
    const set: Record<string, number> = {};
    const reporter = new SubscriptionLagReporter(runner, { set: ({ consumer }, value) => void (set[consumer] = value) });
    await reporter.report();
    expect(set).toEqual({ 'lag-model': 0, 'lag-reactor': Number(head) });
    release();
    await until(async () => (await checkpoint('lag-reactor')) === head, 'the reactor at the head');
    await reporter.report();
    expect(set['lag-reactor']).toBe(0);
    await runner.stop();
  });

  it('runs a leased reactor in one process at a time; when the holder\'s session ends the standby takes over from the checkpoint and nothing is lost', async () => {
    // The second "process" has a pool of its own, which must end once it stopped (its lease session given back).
    const otherPool = new Pool({ connectionString: db.url, max: 5 });
    otherPool.on('error', () => undefined);
    const otherStore = new PostgresEventStore(otherPool, { pollIntervalMs: 50 });
    const one = new SubscriptionRunner(db.pool, store, { leaseRetryMs: 100, retryDelayMs: 50 });
    const two = new SubscriptionRunner(otherPool, otherStore, { leaseRetryMs: 100, retryDelayMs: 50 });
    const byOne: bigint[] = [];
    const byTwo: bigint[] = [];
    const leased = (into: bigint[]): LogConsumer => ({ kind: 'reactor', name: 'leased', eventTypes: ['L'], lease: true, handle: async (events) => void into.push(...events.map((e) => e.globalPosition)) });
    await one.attach(leased(byOne));
    await two.attach(leased(byTwo));
    expect(one.statusOf('leased')?.state).not.toBe('standby');
    expect(two.statusOf('leased')?.state).toBe('standby');
    for (let i = 0; i < 5; i++) await store.appendToStream(`l-${i}`, [event('L', 500 + i)], { expectedRevision: 'no-stream' });
    await until(() => byOne.length === 5, 'the holder handling the first events');
    await new Promise((r) => setTimeout(r, 300));
    expect(byTwo).toEqual([]);

    // The holder's database session ends (a crash, a network loss): its lease goes with it.
    await db.pool.query(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and classid = 7320500 and granted and pid <> pg_backend_pid()`);
    await until(() => one.statusOf('leased')?.state === 'standby' || two.statusOf('leased')?.state === 'live', 'the lease changing hands');
    for (let i = 5; i < 10; i++) await store.appendToStream(`l-${i}`, [event('L', 500 + i)], { expectedRevision: 'no-stream' });
    await until(() => new Set([...byOne, ...byTwo]).size === 10, 'every event handled by one of them');
    // Exactly one holder at a time: after the handover only the new holder handles events.
    const holder = two.statusOf('leased')?.state === 'live' ? byTwo : byOne;
    expect(holder.length).toBeGreaterThan(0);
    await one.stop();
    await two.stop();
    await otherStore.close();
    await Promise.race([otherPool.end(), new Promise((_, reject) => setTimeout(() => reject(new Error('a stopped runner still holds a pool client')), 5000))]);
  });

  it('gives its lease session back when the last leased consumer detaches, also one that only stood by', async () => {
    const pool = new Pool({ connectionString: db.url, max: 5 });
    pool.on('error', () => undefined);
    const holder = new SubscriptionRunner(db.pool, store, { leaseRetryMs: 100 });
    const standby = new SubscriptionRunner(pool, new PostgresEventStore(pool), { leaseRetryMs: 100 });
    const reactor = (): LogConsumer => ({ kind: 'reactor', name: 'lease-return', eventTypes: ['None'], lease: true, handle: async () => undefined });
    await holder.attach(reactor());
    await standby.attach(reactor());
    expect(standby.statusOf('lease-return')?.state).toBe('standby');
    await standby.stop();
    await holder.stop();
    await Promise.race([pool.end(), new Promise((_, reject) => setTimeout(() => reject(new Error('the standby runner still holds its lease session')), 5000))]);
  });
});
