import { RecordedEvent, readStreamInPages } from '../src';

/** A stream of `length` events; each page read is logged as [from, count]. */
function fakeStream(length: number) {
  const calls: Array<[bigint | undefined, number]> = [];
  const event = (revision: number) => ({ revision: BigInt(revision) }) as RecordedEvent;
  const read = (backwards: boolean) => async (from: bigint | undefined, count: number) => {
    calls.push([from, count]);
    const start = from === undefined ? length - 1 : Number(from);
    const revisions = backwards
      ? Array.from({ length: Math.max(0, Math.min(count, Math.min(start, length - 1) + 1)) }, (_, k) => Math.min(start, length - 1) - k)
      : Array.from({ length: Math.max(0, Math.min(count, length - start)) }, (_, k) => start + k);
    return { events: revisions.map(event), rows: revisions.length };
  };
  return { calls, read };
}

const revisions = (events: readonly RecordedEvent[]) => events.map((e) => Number(e.revision));

describe('readStreamInPages', () => {
  it('reads a stream of 25,001 events whole, 1,000 a query, in order', async () => {
    const stream = fakeStream(25_001);
    const { events, reachedEnd } = await readStreamInPages({}, 1000, stream.read(false));
    expect(events).toHaveLength(25_001);
    expect(revisions(events).every((r, i) => r === i)).toBe(true);
    expect(reachedEnd).toBe(true);
    expect(stream.calls).toHaveLength(26);
    expect(stream.calls.every(([, count]) => count === 1000)).toBe(true);
  });

  it('stops after an exact multiple of the page with one short (empty) query', async () => {
    const stream = fakeStream(300);
    const { events, reachedEnd } = await readStreamInPages({}, 100, stream.read(false));
    expect(events).toHaveLength(300);
    expect(reachedEnd).toBe(true);
    expect(stream.calls.map(([from]) => from)).toEqual([0n, 100n, 200n, 300n]);
  });

  it('reads backwards to revision 0 and stops there without asking for negative revisions', async () => {
    const stream = fakeStream(200);
    const { events, reachedEnd } = await readStreamInPages({ direction: 'backwards' }, 100, stream.read(true));
    expect(revisions(events)).toEqual(Array.from({ length: 200 }, (_, k) => 199 - k));
    expect(reachedEnd).toBe(true);
    expect(stream.calls.map(([from]) => from)).toEqual([undefined, 99n]);
  });

  it('honours maxCount across pages and asks for no more than it needs', async () => {
    const stream = fakeStream(1000);
    const { events, reachedEnd } = await readStreamInPages({ fromRevision: 5n, maxCount: 250 }, 100, stream.read(false));
    expect(revisions(events)).toEqual(Array.from({ length: 250 }, (_, k) => 5 + k));
    expect(reachedEnd).toBe(false);
    expect(stream.calls).toEqual([[5n, 100], [105n, 100], [205n, 50]]);
    expect((await readStreamInPages({ maxCount: 0 }, 100, stream.read(false))).events).toEqual([]);
  });

  it('refuses a page size that is not a positive integer', async () => {
    await expect(readStreamInPages({}, 0, fakeStream(1).read(false))).rejects.toThrow(RangeError);
  });
});
