import { Pool } from 'pg';
import { Decider, ManualClock, UuidV7Generator } from '@ipstd/kernel';
import { WrongExpectedRevisionError } from '@ipstd/event-store';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { CommandContext, CommandPipeline, StreamSpec, migrateEventStore } from '@ipstd/platform';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres';

/** A counter that takes increments: the smallest decider that can lose a race. */
type Incremented = { type: 'Incremented'; data: { by: number } };
type Increment = { type: 'Increment'; by: number };
const counter: Decider<Increment, Incremented, { total: number }> = {
  initialState: () => ({ total: 0 }),
  decide: (command) => [{ type: 'Incremented', data: { by: command.by } }],
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};
const spec = (id: string): StreamSpec<Increment, Incremented, { total: number }> => ({ streamId: `counter-${id}`, decider: counter, events: { Incremented: { version: 1 } }, city: () => null });
const inc = (by: number) => (): Increment => ({ type: 'Increment', by });
const context = (): CommandContext => ({
  actor: { userId: 'tester', role: 'system', organisation: null },
  correlationId: 'c',
  causationId: null,
  idempotencyKey: null,
  expectedRevision: null,
});

describe('CommandPipeline: a stream the caller read already (RunOptions.loaded)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let pipeline: CommandPipeline;

  beforeAll(async () => {
    db = await createTestDatabase('pipeline');
    pool = new Pool({ connectionString: db.url, max: 4 });
    await migrateEventStore(pool);
    store = new PostgresEventStore(pool);
    const clock = new ManualClock('2024-11-01T00:00:00Z');
    pipeline = new CommandPipeline(store, clock, new UuidV7Generator(clock));
  });

  afterAll(async () => {
    await store.close();
    await pool.end();
    await db.drop();
  });

  it('decides on the preloaded state without reading the stream again', async () => {
    const loaded = await pipeline.load(spec('a'));
    const reads = jest.spyOn(store, 'readStream');
    const result = await pipeline.run(spec('a'), context(), inc(2), { loaded });
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect(result.state.total).toBe(2);
    expect((await store.readStream('counter-a')).length).toBe(1);
  });

  it('loses the race when the preloaded state is stale, and appends nothing', async () => {
    await pipeline.run(spec('b'), context(), inc(1));
    const stale = await pipeline.load(spec('b'));
    await pipeline.run(spec('b'), context(), inc(10));
    await expect(pipeline.run(spec('b'), context(), inc(100), { loaded: stale })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await pipeline.load(spec('b'))).state.total).toBe(11);
  });

  it('with a retry policy, reads the stream afresh after losing the race and decides on the new state', async () => {
    await pipeline.run(spec('c'), context(), inc(1));
    const stale = await pipeline.load(spec('c'));
    await pipeline.run(spec('c'), context(), inc(10));
    const seen: number[] = [];
    const result = await pipeline.run(spec('c'), context(), (state) => {
      seen.push(state.total);
      return inc(100)();
    }, { loaded: stale, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(seen).toEqual([1, 11]);
    expect(result.state.total).toBe(111);
    expect(result.revision).toBe(2n);
  });

  it('loadAll reads several streams in one store read, each folded as load folds it, a missing one empty', async () => {
    await pipeline.run(spec('d'), context(), inc(3));
    await pipeline.run(spec('e'), context(), inc(4));
    await pipeline.run(spec('e'), context(), inc(5));
    const reads = jest.spyOn(store, 'readStream');
    const many = jest.spyOn(store, 'readStreams');
    const [d, e, none] = await pipeline.loadAll([spec('d'), spec('e'), spec('never-written')]);
    expect(reads).not.toHaveBeenCalled();
    expect(many).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    many.mockRestore();
    expect(d).toEqual(await pipeline.load(spec('d')));
    expect(e).toEqual(await pipeline.load(spec('e')));
    expect({ total: e.state.total, revision: e.revision }).toEqual({ total: 9, revision: 1n });
    expect(none).toEqual({ state: { total: 0 }, revision: null, recorded: [] });
    // what loadAll read is a preload like any other: stale, it loses the race
    await pipeline.run(spec('e'), context(), inc(1));
    await expect(pipeline.run(spec('e'), context(), inc(100), { loaded: e })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await pipeline.load(spec('e'))).state.total).toBe(10);
  });
});
