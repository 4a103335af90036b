import { ThrottlerStorageService } from '@nestjs/throttler';
import { SlidingLogThrottlerStorage } from '../src/http/throttle';

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SlidingLogThrottlerStorage', () => {
  it('counts hits in a sliding window and refuses the one over the limit for the block duration', () => {
    const clock = manualClock();
    const storage = new SlidingLogThrottlerStorage(clock.now);
    const hits = Array.from({ length: 3 }, () => storage.hit('ip:a', 10_000, 3, 10_000));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([[1, false], [2, false], [3, false]]);
    const over = storage.hit('ip:a', 10_000, 3, 10_000);
    expect(over).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 10 });
    clock.advance(4_000);
    expect(storage.hit('ip:a', 10_000, 3, 10_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 6 });
    // Another caller is counted on its own.
    expect(storage.hit('ip:b', 10_000, 3, 10_000)).toMatchObject({ totalHits: 1, isBlocked: false });
    clock.advance(6_000);
    // The block is over: counted afresh.
    expect(storage.hit('ip:a', 10_000, 3, 10_000)).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('lets hits expire one by one as the window slides', () => {
    const clock = manualClock();
    const storage = new SlidingLogThrottlerStorage(clock.now);
    storage.hit('k', 1_000, 2, 1_000);
    clock.advance(600);
    storage.hit('k', 1_000, 2, 1_000);
    clock.advance(500); // the first hit expired, the second has 100 ms left
    expect(storage.hit('k', 1_000, 2, 1_000)).toMatchObject({ totalHits: 2, isBlocked: false });
  });

  it('answers like @nestjs/throttler\'s own storage on the same sequence of requests', async () => {
    // The library's storage reads Date.now(): both run on the real clock, in a window far longer than the test.
    const ours = new SlidingLogThrottlerStorage();
    const theirs = new ThrottlerStorageService();
    try {
      for (let i = 0; i < 250; i++) {
        const key = `k${i % 3}`;
        const a = await ours.increment(key, 60_000, 50, 60_000, 'ip');
        const b = await theirs.increment(key, 60_000, 50, 60_000, 'ip');
        expect([i, a.totalHits, a.isBlocked]).toEqual([i, b.totalHits, b.isBlocked]);
      }
    } finally {
      theirs.onApplicationShutdown();
    }
  });

  it('keeps counting exactly at a limit of a million with hundreds of thousands of live hits', () => {
    const clock = manualClock();
    const storage = new SlidingLogThrottlerStorage(clock.now);
    let last = storage.hit('k', 60_000, 1_000_000, 60_000);
    for (let i = 0; i < 300_000; i++) {
      if (i % 10 === 0) clock.advance(1);
      last = storage.hit('k', 60_000, 1_000_000, 60_000);
    }
    expect(last).toMatchObject({ totalHits: 300_001, isBlocked: false });
    clock.advance(60_000);
    expect(storage.hit('k', 60_000, 1_000_000, 60_000).totalHits).toBe(1);
  });

  it('forgets callers idle for a whole window', () => {
    const clock = manualClock();
    const storage = new SlidingLogThrottlerStorage(clock.now);
    storage.hit('a', 1_000, 1, 5_000);
    storage.hit('a', 1_000, 1, 5_000); // blocked for 5 s
    storage.hit('b', 1_000, 5, 1_000);
    clock.advance(1_000);
    storage.sweep();
    expect(storage.size).toBe(1); // b is gone, a is still blocked
    clock.advance(4_000);
    storage.sweep();
    expect(storage.size).toBe(0);
  });
});
