/** The last revision and hash of a stream. */
export interface StreamHead {
  readonly revision: bigint;
  readonly lastHash: string;
}

/**
 * The heads of recently used streams as this process last saw them, least recently used first.
 * Only ever an assumption: a batch planned on it is written by a statement that checks it against
 * the database under the append lock (another process may have appended since).
 */
export class StreamHeads {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity = 10_000) {}

  get(streamId: string): StreamHead | undefined {
    return this.heads.get(streamId);
  }

  /** A head read or written under the append lock; null when the stream does not exist. */
  set(streamId: string, head: StreamHead | null): void {
    this.heads.delete(streamId);
    if (head === null) return;
    this.heads.set(streamId, head);
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value!);
  }

  /** A head seen by a read outside the lock: kept unless a later one is known. */
  offer(streamId: string, head: StreamHead): void {
    const known = this.heads.get(streamId);
    if (!known || known.revision < head.revision) this.set(streamId, head);
  }

  forget(streamIds: Iterable<string>): void {
    for (const id of streamIds) this.heads.delete(id);
  }
}
