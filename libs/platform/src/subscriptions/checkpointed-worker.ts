import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { CHECKPOINTS_TABLE, SubscriptionRunner } from './subscription-runner';

export interface CheckpointedWorkerOptions {
  readonly batchSize?: number;
  readonly retryDelayMs?: number;
  readonly log?: Pick<Logger, 'log' | 'error'>;
  /** The event types the handler needs (all when absent): the process's runner reads only what its consumers declare. */
  readonly eventTypes?: readonly string[];
  /**
   * Let the handler of the next batch start before the previous batch's handler settled (at most two
   * in flight), so reading and preparing batch N+1 overlaps the I/O of batch N. The handler must then
   * apply batches in the order it is called, and fail every later batch once one failed; the
   * checkpoint still moves in order, only past batches whose handler succeeded.
   */
  readonly overlap?: boolean;
  /** Called before the handler is run again from the checkpoint after a failure, e.g. to drop state of failed batches. */
  readonly beforeSubscribe?: () => void;
  /**
   * One process at a time runs this worker (default true): the others stand by and take over when the
   * holder's database session ends. False for a worker that leases itself (the integration relay).
   */
  readonly lease?: boolean;
}

/**
 * A handler with side effects (commands, messages) over the log, as a reactor of the process's one
 * SubscriptionRunner: it gets the batches of the shared read, after the read models' transaction.
 * Leased by default: with several replicas one runs it and the others stand by.
 * Delivery is at least once: the checkpoint is saved after the handler succeeds, so handlers must be
 * idempotent. A failing handler is retried from its checkpoint after a delay, reading on its own
 * until it catches up with the shared read.
 */
export class CheckpointedWorker {
  private readonly runner: SubscriptionRunner;
  private attached = false;

  constructor(
    private readonly pool: Pool,
    store: EventStore,
    readonly name: string,
    private readonly handle: (events: readonly RecordedEvent[]) => Promise<void>,
    private readonly options: CheckpointedWorkerOptions = {},
  ) {
    this.runner = SubscriptionRunner.for(pool, store);
  }

  get lastError(): string | null {
    return this.runner.statusOf(this.name)?.lastError ?? null;
  }

  async start(): Promise<void> {
    if (this.attached) return;
    this.attached = true;
    const log = this.options.log ?? new Logger(this.name);
    try {
      await this.runner.attach({
        kind: 'reactor',
        name: this.name,
        eventTypes: this.options.eventTypes ?? null,
        batchSize: this.options.batchSize,
        retryDelayMs: this.options.retryDelayMs,
        overlap: this.options.overlap,
        lease: this.options.lease ?? true,
        onRetry: () => {
          log.error({ msg: 'worker failed; retrying from its checkpoint', worker: this.name, error: this.lastError });
          this.options.beforeSubscribe?.();
        },
        handle: (events) => this.handle(events),
      });
    } catch (error) {
      this.attached = false;
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    await this.runner.detach(this.name);
  }

  async checkpoint(): Promise<bigint> {
    await this.runner.migrate();
    const { rows } = await this.pool.query<{ position: string }>(`select position from ${CHECKPOINTS_TABLE} where name = $1`, [this.name]);
    return BigInt(rows[0]?.position ?? 0);
  }
}
