import { ReadAllOptions, RecordedEvent, Subscription, SubscriptionOptions } from './port';

export interface SubscriptionSource {
  read(options: ReadAllOptions): Promise<RecordedEvent[]>;
  headPosition(): Promise<bigint>;
  readonly wakeup: Wakeup;
  /** Called before each wait (to start a live notification feed, say). */
  beforeWait?(): void;
}

/**
 * Lets idle subscriptions sleep until new events may be there: woken by an adapter's notification,
 * or after the poll interval. A wake that comes between a read and the following wait is not lost.
 */
export class Wakeup {
  private readonly waiters = new Set<() => void>();
  private wakes = 0;
  private closed = false;

  constructor(private readonly pollIntervalMs: number) {}

  /** A marker to take before reading; `wait` returns at once if a wake came after it. */
  mark(): number {
    return this.wakes;
  }

  wake(): void {
    this.wakes += 1;
    const waiting = [...this.waiters];
    this.waiters.clear();
    waiting.forEach((done) => done());
  }

  wait(since: number): Promise<void> {
    if (this.closed || this.wakes !== since) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.waiters;
      const timer = setTimeout(done, this.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  close(): void {
    this.closed = true;
    this.wake();
  }
}

/** Catch-up-then-live subscription over any source that can read the log by position. */
export class PollingSubscription implements Subscription {
  private current: bigint;
  private stopping = false;
  readonly done: Promise<void>;

  constructor(
    private readonly options: SubscriptionOptions,
    private readonly source: SubscriptionSource,
  ) {
    this.current = options.after;
    this.done = this.run();
  }

  get position(): bigint {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /**
   * The next batch and how far it covers the log. Filtered by type, the read stops at the head seen
   * before it: positions are handed out in commit order (ADR 0002), so every event up to that head is
   * visible, and a batch shorter than asked for covers the log up to it.
   */
  private async next(batchSize: number): Promise<{ batch: RecordedEvent[]; position: bigint }> {
    const eventTypes = this.options.eventTypes;
    if (!eventTypes) {
      const batch = await this.source.read({ after: this.current, maxCount: batchSize });
      return { batch, position: batch.length ? batch[batch.length - 1].globalPosition : this.current };
    }
    const head = await this.source.headPosition();
    if (head <= this.current) return { batch: [], position: this.current };
    const batch = await this.source.read({ after: this.current, maxCount: batchSize, eventTypes, until: head });
    return { batch, position: batch.length === batchSize ? batch[batch.length - 1].globalPosition : head };
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let caughtUp = false;
    try {
      while (!this.stopping) {
        const marker = this.source.wakeup.mark();
        const { batch, position } = await this.next(batchSize);
        if (this.stopping) break;
        if (position > this.current) {
          caughtUp = false;
          await this.options.onBatch(batch, position);
          this.current = position;
          if (batch.length === batchSize) continue;
        }
        if (!caughtUp) {
          caughtUp = true;
          this.options.onCaughtUp?.(this.current);
        }
        this.source.beforeWait?.();
        await this.source.wakeup.wait(marker);
      }
    } catch (error) {
      this.stopping = true;
      if (this.options.onError) this.options.onError(error);
    }
  }
}
