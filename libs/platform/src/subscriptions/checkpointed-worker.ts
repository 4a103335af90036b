import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore, Migration, RecordedEvent, Subscription, runMigrations } from '@ipstd/event-store';

const WORKER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'worker checkpoints',
    sql: `create table worker_checkpoints (
            name text primary key,
            position bigint not null,
            updated_at timestamptz not null default now()
          )`,
  },
];

export interface CheckpointedWorkerOptions {
  readonly batchSize?: number;
  readonly retryDelayMs?: number;
  readonly log?: Pick<Logger, 'log' | 'error'>;
  /**
   * Let the handler of the next batch start before the previous batch's handler settled (at most two
   * in flight), so reading and preparing batch N+1 overlaps the I/O of batch N. The handler must then
   * apply batches in the order it is called, and fail every later batch once one failed; the
   * checkpoint still moves in order, only past batches whose handler succeeded.
   */
  readonly overlap?: boolean;
  /** Called before every (re)subscription from the checkpoint, e.g. to drop state of failed batches. */
  readonly beforeSubscribe?: () => void;
}

/**
 * Runs a handler with side effects (commands, messages) over the log from a stored checkpoint.
 * Delivery is at least once: the checkpoint is saved after the handler succeeds, so handlers must
 * be idempotent. A failing batch is retried from the checkpoint after a delay.
 */
export class CheckpointedWorker {
  private subscription: Subscription | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Overlap mode: the last batch handed to the handler, settled once its checkpoint is saved. */
  private pending: Promise<void> = Promise.resolve();
  private restartScheduled = false;
  private readonly log: Pick<Logger, 'log' | 'error'>;
  lastError: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    readonly name: string,
    private readonly handle: (events: readonly RecordedEvent[]) => Promise<void>,
    private readonly options: CheckpointedWorkerOptions = {},
  ) {
    this.log = options.log ?? new Logger(name);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await runMigrations(this.pool, 'workers', WORKER_MIGRATIONS);
    await this.pool.query('insert into worker_checkpoints (name, position) values ($1, 0) on conflict do nothing', [this.name]);
    await this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.subscription?.stop();
    this.subscription = null;
    await this.pending.catch(() => undefined);
  }

  async checkpoint(): Promise<bigint> {
    const { rows } = await this.pool.query<{ position: string }>('select position from worker_checkpoints where name = $1', [this.name]);
    return BigInt(rows[0]?.position ?? 0);
  }

  private async subscribe(): Promise<void> {
    this.restartScheduled = false;
    if (this.stopped) return;
    await this.pending.catch(() => undefined);
    this.pending = Promise.resolve();
    this.options.beforeSubscribe?.();
    this.subscription = this.store.subscribeToAll({
      after: await this.checkpoint(),
      batchSize: this.options.batchSize ?? 200,
      onBatch: (events) => (this.options.overlap ? this.overlapped(events) : this.handled(events)),
      onError: (error) => this.failed(error),
    });
  }

  private async handled(events: readonly RecordedEvent[]): Promise<void> {
    await this.handle(events);
    await this.save(events);
  }

  /** Starts this batch's handler now, and returns once the previous batch is done (checkpoint saved). */
  private async overlapped(events: readonly RecordedEvent[]): Promise<void> {
    const previous = this.pending;
    const handling = this.handle(events);
    const current = Promise.all([previous, handling]).then(() => this.save(events));
    // A batch that fails while the subscription waits for new events must still cause a retry.
    current.catch((error) => this.failed(error));
    this.pending = current;
    await previous;
  }

  private async save(events: readonly RecordedEvent[]): Promise<void> {
    await this.pool.query('update worker_checkpoints set position = $2, updated_at = now() where name = $1', [this.name, events[events.length - 1].globalPosition.toString()]);
    this.lastError = null;
  }

  private failed(error: unknown): void {
    if (this.stopped || this.restartScheduled) return;
    this.restartScheduled = true;
    this.lastError = (error as Error).message;
    this.log.error({ msg: 'worker failed; retrying from its checkpoint', worker: this.name, error: this.lastError });
    const subscription = this.subscription;
    this.subscription = null;
    this.retry = setTimeout(() => {
      void (async () => {
        await subscription?.stop().catch(() => undefined);
        await this.subscribe();
      })().catch((e) => this.log.error({ msg: 'worker restart failed', error: (e as Error).message }));
    }, this.options.retryDelayMs ?? 1000);
  }
}
