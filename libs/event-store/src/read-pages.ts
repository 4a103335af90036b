import { ReadStreamOptions, RecordedEvent } from './port';

/** Events read per query when a store reads a stream; a store may be given another size. */
export const DEFAULT_READ_PAGE_SIZE = 1000;

/**
 * One query of a paged stream read: up to `count` events from `fromRevision` (inclusive; undefined
 * reading backwards means the end of the stream), and how many rows the query returned.
 */
export type ReadStreamPage = (fromRevision: bigint | undefined, count: number) => Promise<{ readonly events: readonly RecordedEvent[]; readonly rows: number }>;

/**
 * Reads a stream to its end (or until `maxCount` events), one page of at most `pageSize` events per
 * query, so a long stream is never cut at a fixed cap and no single query asks for it all.
 * `reachedEnd` tells whether the last query came back short, i.e. the read saw the stream's end.
 */
export async function readStreamInPages(options: ReadStreamOptions, pageSize: number, readPage: ReadStreamPage): Promise<{ events: RecordedEvent[]; reachedEnd: boolean }> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`read page size ${pageSize} must be a positive integer`);
  const backwards = options.direction === 'backwards';
  let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
  let from = options.fromRevision ?? (backwards ? undefined : 0n);
  const events: RecordedEvent[] = [];
  while (remaining > 0) {
    const count = Math.min(pageSize, remaining);
    const page = await readPage(from, count);
    for (const event of page.events) events.push(event);
    remaining -= page.events.length;
    const last = page.events[page.events.length - 1];
    if (page.rows < count || !last) return { events, reachedEnd: true };
    from = backwards ? last.revision - 1n : last.revision + 1n;
    if (from < 0n) return { events, reachedEnd: true };
  }
  return { events, reachedEnd: false };
}
