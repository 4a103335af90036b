import { RecordedEvent, Subscription, SubscriptionOptions } from './port';

export interface SubscriptionSource {
  read(after: bigint, maxCount: number): Promise<RecordedEvent[]>;
  /** Resolves when new events may be there (a notification or a poll interval). */
  waitForNew(): Promise<void>;
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

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let caughtUp = false;
    try {
      while (!this.stopping) {
        const batch = await this.source.read(this.current, batchSize);
        if (this.stopping) break;
        if (batch.length > 0) {
          caughtUp = false;
          await this.options.onBatch(batch);
          this.current = batch[batch.length - 1].globalPosition;
          if (batch.length === batchSize) continue;
        }
        if (!caughtUp) {
          caughtUp = true;
          this.options.onCaughtUp?.(this.current);
        }
        await this.source.waitForNew();
      }
    } catch (error) {
      this.stopping = true;
      if (this.options.onError) this.options.onError(error);
    }
  }
}
