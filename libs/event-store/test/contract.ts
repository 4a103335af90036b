import { randomBytes } from 'node:crypto';
import { ManualClock, UuidV7Generator, systemClock } from '@ipstd/kernel';
import {
  DuplicateEventIdError,
  EventStore,
  IdempotencyKeyConflictError,
  NewEvent,
  RecordedEvent,
  WrongExpectedRevisionError,
  hashEvent,
} from '../src';

export interface ContractSubject {
  readonly store: EventStore;
  /** The clock the store was built with: recorded times must come from it. */
  readonly clock: ManualClock;
  /** The store's `readPageSize`: small (100) so that a stream longer than one page stays fast to write. */
  readonly readPageSize: number;
  cleanup(): Promise<void>;
}

const ids = new UuidV7Generator(systemClock);

export function newEvent(type = 'ThingHappened', data: unknown = { n: 1 }): NewEvent {
  return {
    eventId: ids.next(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      actor: { userId: 'user-1', role: 'programme-admin', organisation: '320500' },
      correlationId: 'corr-1',
      causationId: null,
      effectiveAt: '2024-10-08T00:00:00.000Z',
      idempotencyKey: null,
    },
  };
}

function streamName(prefix = 'contract'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

async function expectRejection<E>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}`);
}

/** Collects events from a subscription until a predicate holds. */
function collect(store: EventStore, after: bigint, until: (seen: RecordedEvent[]) => boolean, batchSize = 200) {
  const seen: RecordedEvent[] = [];
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const reached = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const subscription = store.subscribeToAll({
    after,
    batchSize,
    onBatch: async (events) => {
      seen.push(...events);
      if (until(seen)) resolveDone();
    },
    onError: rejectDone,
  });
  return { seen, reached, subscription };
}

/**
 * The behaviour every EventStore adapter must show. Each adapter's spec calls this with a factory
 * that gives a store on real infrastructure.
 */
export function eventStoreContract(name: string, makeSubject: () => Promise<ContractSubject>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeAll(async () => {
      subject = await makeSubject();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    describe('appending to a new stream', () => {
      it('starts the stream at revision 0 with the full envelope and the recorded time from the clock', async () => {
        subject.clock.set('2024-10-09T08:00:00.000Z');
        const stream = streamName();
        const event = newEvent('ProgrammeOpened', { title: '苏州', budgetFen: 2_000_000_000 });
        const result = await store.appendToStream(stream, [event], { expectedRevision: 'no-stream' });
        expect(result.nextExpectedRevision).toBe(0n);
        expect(result.replayed).toBe(false);
        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({
          eventId: event.eventId,
          type: 'ProgrammeOpened',
          schemaVersion: 1,
          data: { title: '苏州', budgetFen: 2_000_000_000 },
          streamId: stream,
          revision: 0n,
          recordedAt: '2024-10-09T08:00:00.000Z',
          previousHash: null,
        });
        expect(recorded.metadata).toEqual(event.metadata);
        expect(recorded.globalPosition).toBe(result.lastPosition);
        expect(recorded.hash).toMatch(/^[0-9a-f]{64}$/);
      });

      it("accepts 'any' on a stream that does not exist yet", async () => {
        const result = await store.appendToStream(streamName(), [newEvent()], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(0n);
      });

      it("refuses 'stream-exists' and an exact revision when there is no stream", async () => {
        const stream = streamName();
        const error = await expectRejection(store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream-exists' }), WrongExpectedRevisionError);
        expect(error.actual).toBeNull();
        await expectRejection(store.appendToStream(stream, [newEvent()], { expectedRevision: 0n }), WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('appending to an existing stream', () => {
      it('appends at the expected revision and chains the hashes', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no-stream' });
        const result = await store.appendToStream(stream, [newEvent('Third')], { expectedRevision: 1n });
        expect(result.nextExpectedRevision).toBe(2n);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(events[1].previousHash).toBe(events[0].hash);
        expect(events[2].previousHash).toBe(events[1].hash);
        for (const e of events) {
          expect(hashEvent({ ...e })).toBe(e.hash);
        }
      });

      it('refuses a stale revision and reports the actual one, appending nothing', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no-stream' });
        const error = await expectRejection(store.appendToStream(stream, [newEvent()], { expectedRevision: 0n }), WrongExpectedRevisionError);
        expect(error.actual).toBe(1n);
        await expectRejection(store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' }), WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it("accepts 'stream-exists' and 'any'", async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' });
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream-exists' });
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(2n);
      });
    });

    describe('re-appending', () => {
      it('the same event ids appends nothing and returns the first result', async () => {
        const stream = streamName();
        const events = [newEvent(), newEvent()];
        const first = await store.appendToStream(stream, events, { expectedRevision: 'no-stream' });
        const head = await store.headPosition();
        const again = await store.appendToStream(stream, events, { expectedRevision: 'no-stream' });
        expect(again.replayed).toBe(true);
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(again.events.map((e) => e.globalPosition)).toEqual(first.events.map((e) => e.globalPosition));
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('with the same idempotency key appends nothing, even with new event ids', async () => {
        const stream = streamName();
        const key = `key-${randomBytes(6).toString('hex')}`;
        const first = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream', idempotencyKey: key });
        const again = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream', idempotencyKey: key });
        expect(again.replayed).toBe(true);
        expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
        expect(again.events[0].metadata.idempotencyKey).toBe(key);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('refuses an idempotency key already used on another stream', async () => {
        const key = `key-${randomBytes(6).toString('hex')}`;
        await store.appendToStream(streamName(), [newEvent()], { expectedRevision: 'any', idempotencyKey: key });
        const other = streamName();
        await expectRejection(store.appendToStream(other, [newEvent()], { expectedRevision: 'any', idempotencyKey: key }), IdempotencyKeyConflictError);
        expect(await store.readStream(other)).toEqual([]);
      });

      it('refuses a partial overlap of event ids', async () => {
        const stream = streamName();
        const a = newEvent();
        await store.appendToStream(stream, [a], { expectedRevision: 'no-stream' });
        await expectRejection(store.appendToStream(stream, [a, newEvent()], { expectedRevision: 'any' }), DuplicateEventIdError);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards from a revision with a limit', async () => {
        const stream = streamName();
        await store.appendToStream(stream, Array.from({ length: 5 }, (_, i) => newEvent('Numbered', { i })), { expectedRevision: 'no-stream' });
        const forwards = await store.readStream(stream, { fromRevision: 1n, maxCount: 3 });
        expect(forwards.map((e) => (e.data as { i: number }).i)).toEqual([1, 2, 3]);
        const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(backwards.map((e) => e.revision)).toEqual([4n, 3n]);
        const backFrom = await store.readStream(stream, { direction: 'backwards', fromRevision: 1n });
        expect(backFrom.map((e) => e.revision)).toEqual([1n, 0n]);
        expect(await store.readStream(streamName('missing'))).toEqual([]);
      });

      it('reads a stream longer than one page to its end, forwards and backwards, with contiguous revisions', async () => {
        const page = subject.readPageSize;
        const length = Math.floor(page * 2.5);
        const stream = streamName('long');
        for (let start = 0; start < length; start += 50) {
          const batch = Array.from({ length: Math.min(50, length - start) }, (_, k) => newEvent('Numbered', { i: start + k }));
          await store.appendToStream(stream, batch, { expectedRevision: start === 0 ? 'no-stream' : BigInt(start - 1) });
        }
        const revisions = (events: RecordedEvent[]) => events.map((e) => Number(e.revision));
        const range = (from: number, to: number) => Array.from({ length: Math.abs(to - from) + 1 }, (_, k) => (from <= to ? from + k : from - k));

        const all = await store.readStream(stream);
        expect(all).toHaveLength(length);
        expect(revisions(all)).toEqual(range(0, length - 1));
        expect(all.map((e) => (e.data as { i: number }).i)).toEqual(range(0, length - 1));
        all.slice(1).forEach((e, k) => expect(e.previousHash).toBe(all[k].hash));
        expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual(range(length - 1, 0));
        // exactly two pages left from here: the read must stop at the end, not ask for more or repeat
        expect(revisions(await store.readStream(stream, { fromRevision: BigInt(length - 2 * page) }))).toEqual(range(length - 2 * page, length - 1));
        expect(revisions(await store.readStream(stream, { fromRevision: 10n, maxCount: page + 5 }))).toEqual(range(10, page + 14));
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: BigInt(page * 2), maxCount: page + 1 }))).toEqual(range(page * 2, page));
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: BigInt(2 * page - 1) }))).toEqual(range(2 * page - 1, 0));
        // the next append still finds the head the long read saw
        const next = await store.appendToStream(stream, [newEvent('Numbered', { i: length })], { expectedRevision: BigInt(length - 1) });
        expect(next.nextExpectedRevision).toBe(BigInt(length));
      });
    });

    describe('reading several streams at once', () => {
      it('answers every asked-for stream whole and in order, an unknown one empty, an id asked twice once', async () => {
        const [a, b, missing] = [streamName('a'), streamName('b'), streamName('missing')];
        await store.appendToStream(b, [newEvent('Numbered', { i: 0 })], { expectedRevision: 'no-stream' });
        await store.appendToStream(a, Array.from({ length: 3 }, (_, i) => newEvent('Numbered', { i })), { expectedRevision: 'no-stream' });
        await store.appendToStream(b, [newEvent('Numbered', { i: 1 })], { expectedRevision: 0n });
        const read = await store.readStreams([b, missing, a, b]);
        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(missing)).toEqual([]);
        expect(read.get(a)).toEqual(await store.readStream(a));
        expect(read.get(b)).toEqual(await store.readStream(b));
        expect(read.get(b)!.map((e) => (e.data as { i: number }).i)).toEqual([0, 1]);
        expect((await store.readStreams([])).size).toBe(0);
      });

      it('reads streams longer together (and one alone) than a page without cutting or repeating any', async () => {
        const page = subject.readPageSize;
        const long = streamName('long');
        const short = streamName('short');
        const length = page * 2 + 7;
        for (let start = 0; start < length; start += 50) {
          const batch = Array.from({ length: Math.min(50, length - start) }, (_, k) => newEvent('Numbered', { i: start + k }));
          await store.appendToStream(long, batch, { expectedRevision: start === 0 ? 'no-stream' : BigInt(start - 1) });
        }
        await store.appendToStream(short, Array.from({ length: page - 1 }, (_, i) => newEvent('Numbered', { i })), { expectedRevision: 'no-stream' });
        const read = await store.readStreams([short, long]);
        expect(read.get(long)!.map((e) => Number(e.revision))).toEqual(Array.from({ length }, (_, k) => k));
        expect(read.get(short)!.map((e) => Number(e.revision))).toEqual(Array.from({ length: page - 1 }, (_, k) => k));
        // the next append to each still finds the head the read saw
        const next = await store.appendToStream(long, [newEvent('Numbered', { i: length })], { expectedRevision: BigInt(length - 1) });
        expect(next.nextExpectedRevision).toBe(BigInt(length));
      });
    });

    describe('reading the whole log', () => {
      it('returns events of all streams in strictly increasing global order, resuming after a position', async () => {
        const start = await store.headPosition();
        const a = streamName('a');
        const b = streamName('b');
        await store.appendToStream(a, [newEvent('A1')], { expectedRevision: 'no-stream' });
        await store.appendToStream(b, [newEvent('B1')], { expectedRevision: 'no-stream' });
        await store.appendToStream(a, [newEvent('A2')], { expectedRevision: 0n });
        const all = (await store.readAll({ after: start, maxCount: 1000 })).filter((e) => e.streamId === a || e.streamId === b);
        expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
        const positions = all.map((e) => e.globalPosition);
        expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
        const rest = await store.readAll({ after: all[0].globalPosition, maxCount: 1000 });
        expect(rest.map((e) => e.eventId)).not.toContain(all[0].eventId);
        expect(rest.map((e) => e.eventId)).toContain(all[2].eventId);
        expect(await store.headPosition()).toBe(positions[positions.length - 1]);
      });

      it('reads only the asked-for event types, up to an inclusive position', async () => {
        const start = await store.headPosition();
        const s = streamName('types');
        const tag = s.replace(/[^A-Za-z0-9]/g, '');
        const types = [`T1x${tag}`, `T2x${tag}`];
        await store.appendToStream(s, [newEvent(types[0]), newEvent('Other'), newEvent(types[1]), newEvent(types[0])], { expectedRevision: 'no-stream' });
        const all = await store.readAll({ after: start, maxCount: 1000 });
        const filtered = await store.readAll({ after: start, maxCount: 1000, eventTypes: types });
        expect(filtered.map((e) => e.type)).toEqual([types[0], types[1], types[0]]);
        expect(filtered.map((e) => e.globalPosition)).toEqual(all.filter((e) => types.includes(e.type)).map((e) => e.globalPosition));
        const bounded = await store.readAll({ after: start, maxCount: 1000, eventTypes: types, until: filtered[1].globalPosition });
        expect(bounded.map((e) => e.globalPosition)).toEqual(filtered.slice(0, 2).map((e) => e.globalPosition));
        expect(await store.readAll({ after: start, maxCount: 2, eventTypes: types })).toHaveLength(2);
      });
    });

    describe('subscribing to the log', () => {
      it('catches up, goes live, and resumes from a stored checkpoint without loss or repetition', async () => {
        const stream = streamName('sub');
        const start = await store.headPosition();
        await store.appendToStream(stream, [newEvent('Old', { i: 0 }), newEvent('Old', { i: 1 })], { expectedRevision: 'no-stream' });
        const mine = (seen: RecordedEvent[]) => seen.filter((e) => e.streamId === stream);

        const first = collect(store, start, (seen) => mine(seen).length >= 3);
        await waitFor(() => mine(first.seen).length >= 2);
        await store.appendToStream(stream, [newEvent('Live', { i: 2 })], { expectedRevision: 1n });
        await first.reached;
        await first.subscription.stop();
        const checkpoint = first.subscription.position;
        expect(mine(first.seen).map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2]);

        await store.appendToStream(stream, [newEvent('WhileAway', { i: 3 })], { expectedRevision: 2n });
        const second = collect(store, checkpoint, (seen) => mine(seen).length >= 2);
        await store.appendToStream(stream, [newEvent('Live', { i: 4 })], { expectedRevision: 3n });
        await second.reached;
        await second.subscription.stop();
        expect(mine(second.seen).map((e) => (e.data as { i: number }).i)).toEqual([3, 4]);
      });

      it('with event types: delivers only those, and says how far each batch covers the log', async () => {
        const s = streamName('subtypes');
        const wanted = `Wanted${s.replace(/[^A-Za-z0-9]/g, '')}`;
        const start = await store.headPosition();
        await store.appendToStream(s, [newEvent(wanted, { i: 0 }), newEvent('Unwanted'), newEvent('Unwanted'), newEvent(wanted, { i: 1 }), newEvent('Unwanted')], { expectedRevision: 'no-stream' });
        const head = await store.headPosition();
        const seen: RecordedEvent[] = [];
        const covered: bigint[] = [];
        let done!: () => void;
        const reached = new Promise<void>((resolve) => (done = resolve));
        const subscription = store.subscribeToAll({
          after: start,
          batchSize: 1,
          eventTypes: [wanted],
          onBatch: async (events, position) => {
            seen.push(...events);
            covered.push(position);
            if (position >= head) done();
          },
        });
        await reached;
        await subscription.stop();
        expect(seen.map((e) => (e.data as { i: number }).i)).toEqual([0, 1]);
        // Batches of one wanted event each, then one that covers the unwanted tail up to the head.
        expect(covered[covered.length - 1]).toBe(head);
        expect(covered).toEqual([...covered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(subscription.position).toBe(head);
      });

      it('8 writers × 1,000 appends while a subscriber runs: every event seen exactly once, in position order', async () => {
        const start = await store.headPosition();
        const prefix = streamName('load');
        const writers = 8;
        const perWriter = 1000;
        const expected = new Set<string>();
        const sub = collect(store, start, (seen) => seen.filter((e) => e.streamId.startsWith(prefix)).length >= writers * perWriter, 500);
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              const event = newEvent('Loaded', { w, i });
              expected.add(event.eventId);
              const stream = `${prefix}-${w}-${i % 10}`;
              await store.appendToStream(stream, [event], { expectedRevision: 'any' });
            }
          }),
        );
        await sub.reached;
        await sub.subscription.stop();
        const seen = sub.seen.filter((e) => e.streamId.startsWith(prefix));
        expect(seen).toHaveLength(writers * perWriter);
        expect(new Set(seen.map((e) => e.eventId))).toEqual(expected);
        for (let i = 1; i < sub.seen.length; i++) {
          expect(sub.seen[i].globalPosition > sub.seen[i - 1].globalPosition).toBe(true);
        }
        const perStream = new Map<string, bigint[]>();
        for (const e of seen) perStream.set(e.streamId, [...(perStream.get(e.streamId) ?? []), e.revision]);
        for (const revisions of perStream.values()) {
          expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
        }
      }, 180_000);

      it('concurrent appends at the same revision: exactly one wins, the others get a conflict', async () => {
        const stream = streamName('race');
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.appendToStream(stream, [newEvent()], { expectedRevision: 0n })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(failures).toHaveLength(7);
        failures.forEach((f) => expect(f.reason).toBeInstanceOf(WrongExpectedRevisionError));
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });
  });
}

export async function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { ManualClock };
