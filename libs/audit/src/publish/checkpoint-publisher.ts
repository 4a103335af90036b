import { Clock, IdGenerator } from '@ipstd/kernel';
import { EventStore, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@ipstd/event-store';
import { readEventOf } from '@ipstd/platform';
import { MerkleLog } from '../merkle/merkle-log';
import { LogSigner } from '../merkle/log-signer';
import { AUDIT_EVENTS, SIGNED_CHECKPOINT_EVENT_TYPE, SIGNED_CHECKPOINT_SCHEMA_VERSION, SIGNED_CHECKPOINT_STREAM, SignedCheckpointData, isAnyCheckpointEvent } from './audit-events';

export interface PublishedCheckpoint {
  readonly event: RecordedEvent;
  readonly data: SignedCheckpointData;
}

export interface CheckpointPublisherOptions {
  /** How often the timer looks whether a checkpoint is due (AUDIT_CHECKPOINT_PUBLISH_SECONDS). Default 300. */
  readonly everySeconds?: number;
  /** Events read per query while looking for activity after the last publication. Default 1000. */
  readonly batchSize?: number;
  readonly log?: { log(message: unknown): void; error(message: unknown): void };
}

const PUBLISHER_ACTOR = { userId: 'checkpoint-publisher', role: 'system', organisation: null } as const;

/**
 * Publishes the signed checkpoint of the Merkle tree as a `SignedCheckpointPublished` event, which
 * the integration relay sends to Kafka (`<prefix>.audit`) and `GET /v1/events` serves, so that other
 * government systems hold (witness) the log's heads.
 *
 * The rule that keeps it from feeding itself: on each tick it publishes only when the log holds an
 * event after the last published checkpoint's tree (position > its lastPosition) that is not itself a
 * checkpoint event (SignedCheckpointPublished or LogCheckpointSealed). Its own event (and the digest
 * seal the sealer may add for it) grows the tree, but is not activity: a quiet log is published once
 * and then left alone. The append expects the stream's revision it read, so with several processes a
 * tick publishes once.
 */
export class CheckpointPublisher {
  private readonly everyMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private publishing: Promise<PublishedCheckpoint | null> | null = null;
  private readonly log: NonNullable<CheckpointPublisherOptions['log']>;
  lastError: string | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly tree: MerkleLog,
    private readonly signer: LogSigner,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    options: CheckpointPublisherOptions = {},
  ) {
    this.everyMs = (options.everySeconds ?? 300) * 1000;
    this.batchSize = options.batchSize ?? 1000;
    this.log = options.log ?? { log: () => undefined, error: () => undefined };
    if (!(this.everyMs > 0)) throw new RangeError('CheckpointPublisher: everySeconds must be positive');
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.publishNow().catch((error) => {
        this.lastError = (error as Error).message;
        this.log.error({ msg: 'publishing the signed checkpoint failed; retried on the next tick', error: this.lastError });
      });
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.publishing?.catch(() => undefined);
  }

  /** The last published checkpoint, or null when none was published yet. */
  async lastPublished(): Promise<PublishedCheckpoint | null> {
    const [event] = await this.store.readStream(SIGNED_CHECKPOINT_STREAM, { direction: 'backwards', maxCount: 1 });
    return event ? { event, data: readEventOf(AUDIT_EVENTS, SIGNED_CHECKPOINT_EVENT_TYPE, event).data } : null;
  }

  /** Publishes the current checkpoint if the rule says one is due; null when not (or another process did). Calls run one at a time. */
  publishNow(): Promise<PublishedCheckpoint | null> {
    const run = (this.publishing ?? Promise.resolve(null)).catch(() => null).then(() => this.publishOnce());
    this.publishing = run;
    return run;
  }

  private async publishOnce(): Promise<PublishedCheckpoint | null> {
    const last = await this.lastPublished();
    if (last && !(await this.activitySince(BigInt(last.data.lastPosition)))) return null;
    const head = await this.tree.advance();
    if (head.size === 0n) return null;
    const publishedAt = this.clock.now().toISOString();
    const data: SignedCheckpointData = {
      origin: this.signer.origin,
      treeSize: Number(head.size),
      rootHash: head.root.toString('base64'),
      lastPosition: Number(head.lastPosition),
      note: this.signer.checkpoint(head.size, head.root),
      publishedAt,
    };
    const event: NewEvent = {
      eventId: this.ids.next(),
      type: SIGNED_CHECKPOINT_EVENT_TYPE,
      schemaVersion: SIGNED_CHECKPOINT_SCHEMA_VERSION,
      data,
      metadata: { actor: PUBLISHER_ACTOR, correlationId: this.ids.next(), causationId: null, effectiveAt: publishedAt, idempotencyKey: null, city: null },
    };
    try {
      const result = await this.store.appendToStream(SIGNED_CHECKPOINT_STREAM, [event], { expectedRevision: last ? last.event.revision : 'no-stream' });
      this.lastError = null;
      this.log.log({ msg: 'signed checkpoint published', treeSize: data.treeSize, lastPosition: data.lastPosition });
      return { event: result.events[0], data };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return null;
      throw error;
    }
  }

  /** True when an event after `position` is not a checkpoint event. Stops at the first such event. */
  private async activitySince(position: bigint): Promise<boolean> {
    for (let after = position; ; ) {
      const batch = await this.store.readAll({ after, maxCount: this.batchSize });
      if (batch.length === 0) return false;
      if (batch.some((e) => !isAnyCheckpointEvent(e))) return true;
      after = batch[batch.length - 1].globalPosition;
    }
  }
}
