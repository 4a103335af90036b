import { Pool } from 'pg';
import { Clock, IdGenerator } from '@ipstd/kernel';
import { EventStore, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@ipstd/event-store';
import { SubscriptionRunner, instanceName } from '@ipstd/platform';
import {
  CHECKPOINT_EVENT_TYPE,
  CHECKPOINT_SCHEMA_VERSION,
  CHECKPOINT_STREAM,
  GENESIS_DIGEST,
  LogCheckpointData,
  checkpointDataOf,
  isCheckpointEvent,
  nextDigest,
} from '../verify/checkpoint';

export interface LogSealerOptions {
  /** Seal when this many events (checkpoints not counted) wait unsealed. Default 1000. */
  readonly everyEvents?: number;
  /** Seal when the oldest unsealed event is this old (by its recordedAt and the clock). Default 60. */
  readonly everySeconds?: number;
  /** How often the running sealer looks at the age of what waits. Default 1000 ms. */
  readonly pollMs?: number;
  /** Events read per query while computing a digest. Default 1000. */
  readonly batchSize?: number;
  readonly log?: { log(message: unknown): void; error(message: unknown): void };
  /** The database of the process's SubscriptionRunner, which the running sealer (start) follows the log with. */
  readonly pool?: Pool;
}


export interface SealedCheckpoint {
  readonly event: RecordedEvent;
  readonly data: LogCheckpointData;
}

const SEALER_ACTOR = { userId: 'log-sealer', role: 'system', organisation: null } as const;

/**
 * Seals the global log with checkpoints: every `everyEvents` events or `everySeconds` seconds,
 * whichever comes first, it appends a `LogCheckpointSealed` event to the `log-checkpoints` stream
 * with the digest of every event after the previous checkpoint (earlier checkpoint events
 * included). The append expects the checkpoint stream's revision it read, so when several
 * processes run a sealer, a range is sealed once: the loser re-reads and finds nothing or less to seal.
 */
export class LogSealer {
  private readonly everyEvents: number;
  private readonly everyMs: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private attached = false;
  private readonly consumerName = instanceName('audit-log-sealer');
  private readonly pool: Pool | null;
  private timer: NodeJS.Timeout | null = null;
  /** Unsealed events this process has seen, (position, recordedAt ms); trimmed at every seal. */
  private pending: Array<{ position: bigint; at: number }> = [];
  private sealing: Promise<SealedCheckpoint[]> | null = null;
  private stopped = true;
  private readonly log: NonNullable<LogSealerOptions['log']>;
  lastError: string | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    options: LogSealerOptions = {},
  ) {
    this.everyEvents = options.everyEvents ?? 1000;
    this.everyMs = (options.everySeconds ?? 60) * 1000;
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 1000;
    this.log = options.log ?? { log: () => undefined, error: () => undefined };
    this.pool = options.pool ?? null;
    if (!(this.everyEvents >= 1) || !(this.everyMs > 0)) throw new RangeError('LogSealer: everyEvents and everySeconds must be positive');
  }

  /** Watches the log and seals on the thresholds. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.subscribe();
    this.timer = setInterval(() => {
      const oldest = this.pending[0];
      if (oldest && this.clock.now().getTime() - oldest.at >= this.everyMs) void this.sealNow().catch((e) => this.failed(e));
    }, this.pollMs);
    this.timer.unref();
  }

  private async subscribe(): Promise<void> {
    if (this.stopped || this.attached) return;
    if (!this.pool) throw new Error('LogSealer.start needs options.pool');
    this.attached = true;
    this.pending = [];
    // A reactor of the process's one read of the log, from the last checkpoint it finds in the log.
    await SubscriptionRunner.for(this.pool, this.store).attach({
      kind: 'reactor',
      name: this.consumerName,
      eventTypes: null,
      batchSize: this.batchSize,
      retryDelayMs: this.pollMs,
      ownPosition: async () => BigInt((await this.lastCheckpoint())?.data.toPosition ?? 0),
      onRetry: () => {
        this.pending = [];
      },
      handle: async (events) => {
        for (const event of events) {
          if (isCheckpointEvent(event)) {
            const data = checkpointDataOf(event);
            if (data) this.trim(BigInt(data.toPosition));
          } else {
            this.pending.push({ position: event.globalPosition, at: Date.parse(event.recordedAt) });
          }
        }
        if (this.pending.length >= this.everyEvents) await this.sealNow().catch((e) => this.failed(e));
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.attached && this.pool) await SubscriptionRunner.for(this.pool, this.store).detach(this.consumerName);
    this.attached = false;
    await this.sealing?.catch(() => undefined);
  }

  /** The latest checkpoint, or null when the log has none yet. */
  async lastCheckpoint(): Promise<SealedCheckpoint | null> {
    const [event] = await this.store.readStream(CHECKPOINT_STREAM, { direction: 'backwards', maxCount: 1 });
    if (!event) return null;
    const data = checkpointDataOf(event);
    if (!data) throw new Error(`the last event of ${CHECKPOINT_STREAM} (revision ${event.revision}) is not a checkpoint`);
    return { event, data };
  }

  /**
   * Seals everything in the log now (up to its head when called), unless only checkpoints are
   * unsealed. Returns the checkpoints this call appended (none when there was nothing to seal or
   * another process sealed it first). Calls in one process run one at a time.
   */
  sealNow(): Promise<SealedCheckpoint[]> {
    const run = (this.sealing ?? Promise.resolve([])).catch(() => []).then(() => this.sealAll());
    this.sealing = run;
    return run;
  }

  private async sealAll(): Promise<SealedCheckpoint[]> {
    const sealed: SealedCheckpoint[] = [];
    const head = await this.store.headPosition();
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await this.sealOnce(head);
      if (outcome === 'conflict') continue;
      if (outcome) sealed.push(outcome);
      break;
    }
    const last = sealed[sealed.length - 1] ?? (await this.lastCheckpoint());
    if (last) this.trim(BigInt(last.data.toPosition));
    this.lastError = null;
    return sealed;
  }

  private async sealOnce(head: bigint): Promise<SealedCheckpoint | 'conflict' | null> {
    const last = await this.lastCheckpoint();
    const fromPosition = BigInt(last?.data.toPosition ?? 0);
    let digest = last?.data.digest ?? GENESIS_DIGEST;
    let count = 0;
    let toPosition = fromPosition;
    let sealsSomething = false;
    for (let after = fromPosition; after < head; ) {
      const batch = await this.store.readAll({ after, maxCount: this.batchSize });
      if (batch.length === 0) break;
      for (const event of batch) {
        if (event.globalPosition > head) break;
        digest = nextDigest(digest, event);
        count += 1;
        toPosition = event.globalPosition;
        if (!isCheckpointEvent(event)) sealsSomething = true;
      }
      after = batch[batch.length - 1].globalPosition;
    }
    if (!sealsSomething) return null;
    const sealedAt = this.clock.now().toISOString();
    const data: LogCheckpointData = {
      sequence: (last?.data.sequence ?? 0) + 1,
      fromPosition: Number(fromPosition),
      toPosition: Number(toPosition),
      eventCount: count,
      digest,
      previousDigest: last?.data.digest ?? GENESIS_DIGEST,
      sealedAt,
    };
    const event: NewEvent = {
      eventId: this.ids.next(),
      type: CHECKPOINT_EVENT_TYPE,
      schemaVersion: CHECKPOINT_SCHEMA_VERSION,
      data,
      metadata: { actor: SEALER_ACTOR, correlationId: this.ids.next(), causationId: null, effectiveAt: sealedAt, idempotencyKey: null, city: null },
    };
    try {
      const result = await this.store.appendToStream(CHECKPOINT_STREAM, [event], { expectedRevision: last ? last.event.revision : 'no-stream' });
      this.log.log({ msg: 'log checkpoint sealed', sequence: data.sequence, fromPosition: data.fromPosition, toPosition: data.toPosition, eventCount: count });
      return { event: result.events[0], data };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return 'conflict';
      throw error;
    }
  }

  private trim(sealedUpTo: bigint): void {
    if (this.pending.length && this.pending[0].position <= sealedUpTo) this.pending = this.pending.filter((p) => p.position > sealedUpTo);
  }

  private failed(error: unknown): void {
    this.lastError = (error as Error).message;
    this.log.error({ msg: 'log sealing failed; retried on the next trigger', error: this.lastError });
  }
}
