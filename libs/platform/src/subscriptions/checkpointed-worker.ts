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
  }

  async checkpoint(): Promise<bigint> {
    const { rows } = await this.pool.query<{ position: string }>('select position from worker_checkpoints where name = $1', [this.name]);
    return BigInt(rows[0]?.position ?? 0);
  }

  private async subscribe(): Promise<void> {
    if (this.stopped) return;
    this.subscription = this.store.subscribeToAll({
      after: await this.checkpoint(),
      batchSize: this.options.batchSize ?? 200,
      onBatch: async (events) => {
        await this.handle(events);
        await this.pool.query('update worker_checkpoints set position = $2, updated_at = now() where name = $1', [this.name, events[events.length - 1].globalPosition.toString()]);
        this.lastError = null;
      },
      onError: (error) => {
        this.lastError = (error as Error).message;
        this.log.error({ msg: 'worker failed; retrying from its checkpoint', worker: this.name, error: this.lastError });
        if (this.stopped) return;
        this.retry = setTimeout(() => void this.subscribe().catch((e) => this.log.error({ msg: 'worker restart failed', error: (e as Error).message })), this.options.retryDelayMs ?? 1000);
      },
    });
  }
}
