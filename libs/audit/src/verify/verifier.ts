import type { RecordedEvent } from '@ipstd/event-store';
// Imported by path, not through '@ipstd/event-store', so that the offline verifier (scripts/verify.ts)
// loads the one hash definition without loading the store adapters (pg, the EventStoreDB client).
import { hashEvent } from '../../../event-store/src/hashing';
import { CHECKPOINT_STREAM, LogCheckpointData, checkpointDataOf, isCheckpointEvent, nextDigest } from './checkpoint';

/**
 * What kind of link is broken.
 * - hash-mismatch: the stored hash is not the hash of the stored fields (a covered field was altered).
 * - chain-broken: previousHash is not the hash of the stream's previous event.
 * - revision-gap: a stream revision is missing (an event was removed).
 * - reordered: events are out of order (a stream's revisions, or positions in the log).
 * - checkpoint-mismatch: the events now in a checkpoint's range do not give its digest and count
 *   (an event in the range was removed, inserted, altered with its hash recomputed, or moved).
 * - checkpoint-chain-broken: checkpoints do not follow each other (sequence, range, previousDigest),
 *   or the checkpoint list does not match the checkpoint events of the log.
 * - checkpoint-invalid: an event of the checkpoint stream does not have a checkpoint's shape.
 * - export-incomplete: an export file lacks its trailer or holds other counts than it says.
 */
export type BrokenLinkKind =
  | 'hash-mismatch'
  | 'chain-broken'
  | 'revision-gap'
  | 'reordered'
  | 'checkpoint-mismatch'
  | 'checkpoint-chain-broken'
  | 'checkpoint-invalid'
  | 'export-incomplete';

export interface BrokenLink {
  readonly kind: BrokenLinkKind;
  readonly streamId: string | null;
  readonly revision: number | null;
  readonly globalPosition: number | null;
  readonly eventId: string | null;
  readonly detail: string;
}

export interface VerificationReport {
  readonly ok: boolean;
  /** full: the whole log, checkpoint digests recomputed; filtered: part of the log, hashes and chains only. */
  readonly scope: 'full' | 'filtered';
  readonly eventsChecked: number;
  readonly streamsChecked: number;
  /** Checkpoints whose digest was recomputed from the events now in their range (full scope only). */
  readonly checkpointsChecked: number;
  /** Checkpoint events whose own hash and sequence were checked. */
  readonly checkpointsSeen: number;
  /** Global position up to which the log is sealed by a checkpoint (0 when none). */
  readonly sealedUpTo: number;
  /** Checked events after the last checkpoint: protected by their hash chains, not yet by a seal. */
  readonly unsealedEvents: number;
  /** The broken link earliest in the log (lowest global position), or null when everything holds. */
  readonly firstBrokenLink: BrokenLink | null;
  readonly problems: readonly BrokenLink[];
  /** More problems were found than maxProblems; only the first ones are listed. */
  readonly problemsTruncated: boolean;
}

export interface VerifyOptions {
  /** The input is the whole log from its first event: checkpoint digests are recomputed and every stream must start at revision 0. */
  readonly completeLog: boolean;
  /** Every stream in the input starts at revision 0 (implied by completeLog). */
  readonly completeStreams?: boolean;
  /** Problems listed at most (default 100); the first broken link is always among them. */
  readonly maxProblems?: number;
}

const KIND_RANK: Record<BrokenLinkKind, number> = {
  'hash-mismatch': 0,
  'chain-broken': 1,
  'revision-gap': 2,
  reordered: 3,
  'checkpoint-invalid': 4,
  'checkpoint-chain-broken': 5,
  'checkpoint-mismatch': 6,
  'export-incomplete': 7,
};

interface Problem {
  kind: BrokenLinkKind;
  streamId: string | null;
  revision: number | null;
  globalPosition: number | null;
  eventId: string | null;
  detail: string;
  order: number;
}

interface Checkpoint {
  readonly event: RecordedEvent;
  readonly data: LogCheckpointData;
}

interface StreamHead {
  readonly revision: bigint;
  readonly hash: string;
  readonly globalPosition: bigint;
}

/**
 * Verifies the log, or part of it, from its events alone: no database, no framework. Feed the events
 * in global-position order with `add`, then call `finish`. Memory holds one head per stream and the
 * checkpoints (one per sealed range), never the events.
 */
export class LogVerifier {
  private readonly completeLog: boolean;
  private readonly completeStreams: boolean;
  private readonly maxProblems: number;
  private readonly problems: Problem[] = [];
  private readonly problemKeys = new Set<string>();
  private truncated = false;
  private order = 0;
  private readonly streams = new Map<string, StreamHead>();
  /** Gaps per stream not yet explained: a missing revision that turns up later was moved, not removed. */
  private readonly openGaps = new Map<string, Array<{ problem: Problem; from: bigint; to: bigint }>>();
  private readonly checkpoints: Checkpoint[] = [];
  private readonly checkpointHashes = new Map<string, string>();
  private next = 0;
  private fold: string | null = null;
  private foldCount = 0;
  private lastPosition: bigint | null = null;
  private eventsChecked = 0;
  private checkpointsChecked = 0;
  private unsealed = 0;
  private finished: VerificationReport | null = null;

  constructor(checkpointEvents: readonly RecordedEvent[], options: VerifyOptions) {
    this.completeLog = options.completeLog;
    this.completeStreams = options.completeLog || options.completeStreams === true;
    this.maxProblems = options.maxProblems ?? 100;
    this.loadCheckpoints(checkpointEvents);
  }

  /** Checks one event; events must come in the order of the log (ascending global position). */
  add(event: RecordedEvent): void {
    if (this.finished) throw new Error('LogVerifier: add after finish');
    this.eventsChecked += 1;
    this.checkOwnHash(event);
    this.checkLogOrder(event);
    this.checkStream(event);
    if (this.completeLog) {
      if (isCheckpointEvent(event)) this.checkListed(event);
      this.digest(event);
    } else if (event.globalPosition > this.sealedUpTo()) {
      this.unsealed += 1;
    }
  }

  finish(): VerificationReport {
    if (this.finished) return this.finished;
    if (this.completeLog) while (this.next < this.checkpoints.length) this.closeCheckpoint();
    const problems = [...this.problems].sort(
      (a, b) => (a.globalPosition ?? Infinity) - (b.globalPosition ?? Infinity) || KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.order - b.order,
    );
    const links = problems.map(({ order: _order, ...link }) => link as BrokenLink);
    this.finished = {
      ok: links.length === 0,
      scope: this.completeLog ? 'full' : 'filtered',
      eventsChecked: this.eventsChecked,
      streamsChecked: this.streams.size,
      checkpointsChecked: this.checkpointsChecked,
      checkpointsSeen: this.checkpoints.length,
      sealedUpTo: Number(this.sealedUpTo()),
      unsealedEvents: this.unsealed,
      firstBrokenLink: links[0] ?? null,
      problems: links,
      problemsTruncated: this.truncated,
    };
    return this.finished;
  }

  /** Adds a problem found outside the events (an export's trailer, say). */
  report(link: BrokenLink): void {
    this.problem(link.kind, link, link.detail);
  }

  private sealedUpTo(): bigint {
    const last = this.checkpoints[this.checkpoints.length - 1];
    return last ? BigInt(last.data.toPosition) : 0n;
  }

  private loadCheckpoints(events: readonly RecordedEvent[]): void {
    const sorted = [...events].sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
    let previous: Checkpoint | null = null;
    let previousEvent: RecordedEvent | null = null;
    for (const event of sorted) {
      this.checkOwnHash(event);
      if (event.streamId !== CHECKPOINT_STREAM) {
        this.problem('checkpoint-invalid', event, `event of stream ${event.streamId} given as a checkpoint`);
        continue;
      }
      if (!this.completeLog) {
        // In a full check the checkpoint events also come through add(), which checks their stream chain.
        if (previousEvent) {
          if (event.revision !== previousEvent.revision + 1n) this.problem('revision-gap', event, `checkpoint revisions jump from ${previousEvent.revision} to ${event.revision}`);
          else if (event.previousHash !== previousEvent.hash) this.problem('chain-broken', event, 'previousHash is not the hash of the previous checkpoint');
        } else if (event.revision === 0n && event.previousHash !== null) {
          this.problem('chain-broken', event, 'the first checkpoint has a previousHash');
        }
      }
      previousEvent = event;
      this.checkpointHashes.set(event.eventId, event.hash);
      const data = checkpointDataOf(event);
      if (!data) {
        this.problem('checkpoint-invalid', event, `not a ${CHECKPOINT_STREAM} checkpoint: type ${event.type} or its data lacks a field`);
        continue;
      }
      const expectation = previous
        ? { sequence: previous.data.sequence + 1, fromPosition: previous.data.toPosition, previousDigest: previous.data.digest, label: `checkpoint ${previous.data.sequence}` }
        : this.completeLog
          ? { sequence: 1, fromPosition: 0, previousDigest: '0'.repeat(64), label: 'the start of the log' }
          : null;
      if (data.sequence !== Number(event.revision) + 1) {
        this.problem('checkpoint-chain-broken', event, `sequence ${data.sequence} at stream revision ${event.revision}`);
      } else if (expectation) {
        const wrong = [
          data.sequence !== expectation.sequence ? `sequence ${data.sequence}, expected ${expectation.sequence}` : null,
          data.fromPosition !== expectation.fromPosition ? `range starts after ${data.fromPosition}, expected after ${expectation.fromPosition}` : null,
          data.previousDigest !== expectation.previousDigest ? `previousDigest is not the digest of ${expectation.label}` : null,
        ].filter(Boolean);
        if (wrong.length) this.problem('checkpoint-chain-broken', event, `checkpoint ${data.sequence}: ${wrong.join('; ')}`);
      }
      if (data.toPosition < data.fromPosition || BigInt(data.toPosition) >= event.globalPosition) {
        this.problem('checkpoint-chain-broken', event, `checkpoint ${data.sequence} seals (${data.fromPosition}, ${data.toPosition}] but stands at position ${event.globalPosition}`);
      }
      previous = { event, data };
      this.checkpoints.push(previous);
    }
    if (this.completeLog) this.checkpoints.sort((a, b) => a.data.toPosition - b.data.toPosition);
  }

  private checkOwnHash(event: RecordedEvent): void {
    let recomputed: string;
    try {
      recomputed = hashEvent(event);
    } catch (error) {
      this.problem('hash-mismatch', event, `the stored fields cannot be hashed: ${(error as Error).message}`);
      return;
    }
    if (recomputed !== event.hash) this.problem('hash-mismatch', event, `stored hash ${event.hash} but the stored fields hash to ${recomputed}`);
  }

  private checkLogOrder(event: RecordedEvent): void {
    if (this.lastPosition !== null && event.globalPosition <= this.lastPosition) {
      this.problem('reordered', event, `position ${event.globalPosition} comes after position ${this.lastPosition}`);
    }
    if (this.lastPosition === null || event.globalPosition > this.lastPosition) this.lastPosition = event.globalPosition;
  }

  private checkStream(event: RecordedEvent): void {
    const head = this.streams.get(event.streamId);
    if (!head) {
      if (event.revision === 0n) {
        if (event.previousHash !== null) this.problem('chain-broken', event, 'the first event of the stream has a previousHash');
      } else if (this.completeStreams) {
        this.gap(event, 0n, event.revision - 1n);
      }
    } else {
      const expected = head.revision + 1n;
      if (event.revision === expected) {
        if (event.previousHash !== head.hash) this.problem('chain-broken', event, `previousHash is not the hash of revision ${head.revision} (position ${head.globalPosition})`);
      } else if (event.revision > expected) {
        this.gap(event, expected, event.revision - 1n);
      } else {
        this.outOfOrder(event, head);
        return;
      }
    }
    this.streams.set(event.streamId, { revision: event.revision, hash: event.hash, globalPosition: event.globalPosition });
  }

  private gap(event: RecordedEvent, from: bigint, to: bigint): void {
    const missing = from === to ? `revision ${from} is missing` : `revisions ${from}..${to} are missing`;
    const problem = this.problem('revision-gap', { ...event, revision: from }, `${missing} before revision ${event.revision} at position ${event.globalPosition}`);
    if (!problem) return;
    const gaps = this.openGaps.get(event.streamId) ?? [];
    gaps.push({ problem, from, to });
    this.openGaps.set(event.streamId, gaps);
  }

  /** A revision lower than one already seen: if it fills an open gap, the gap was a move, not a removal. */
  private outOfOrder(event: RecordedEvent, head: StreamHead): void {
    const gaps = this.openGaps.get(event.streamId) ?? [];
    const gap = gaps.find((g) => event.revision >= g.from && event.revision <= g.to);
    if (gap) {
      const { problem } = gap;
      problem.kind = 'reordered';
      problem.revision = Number(gap.to + 1n);
      problem.detail = `revision ${gap.to + 1n} is at position ${problem.globalPosition}, before revision ${event.revision} at position ${event.globalPosition}`;
      gaps.splice(gaps.indexOf(gap), 1);
      return;
    }
    this.problem('reordered', event, `revision ${event.revision} at position ${event.globalPosition} comes after revision ${head.revision} at position ${head.globalPosition}`);
  }

  private checkListed(event: RecordedEvent): void {
    const listed = this.checkpointHashes.get(event.eventId);
    if (listed === undefined) this.problem('checkpoint-chain-broken', event, 'checkpoint event in the log is missing from the checkpoint list');
    else if (listed !== event.hash) this.problem('checkpoint-chain-broken', event, 'checkpoint event in the log differs from the one in the checkpoint list');
  }

  private digest(event: RecordedEvent): void {
    while (this.next < this.checkpoints.length && event.globalPosition > BigInt(this.checkpoints[this.next].data.toPosition)) this.closeCheckpoint();
    const current = this.checkpoints[this.next];
    if (!current) {
      this.unsealed += 1;
      return;
    }
    if (event.globalPosition <= BigInt(current.data.fromPosition)) return;
    this.fold ??= current.data.previousDigest;
    this.fold = nextDigest(this.fold, event);
    this.foldCount += 1;
  }

  private closeCheckpoint(): void {
    const { event, data } = this.checkpoints[this.next];
    const digest = this.fold ?? data.previousDigest;
    if (digest !== data.digest || this.foldCount !== data.eventCount) {
      this.problem(
        'checkpoint-mismatch',
        event,
        `checkpoint ${data.sequence} sealed ${data.eventCount} events in (${data.fromPosition}, ${data.toPosition}]; the log now holds ${this.foldCount} there` +
          (digest !== data.digest ? ' and they do not give the sealed digest' : ' with another digest input'),
      );
    }
    this.checkpointsChecked += 1;
    this.next += 1;
    this.fold = null;
    this.foldCount = 0;
  }

  private problem(
    kind: BrokenLinkKind,
    at: { streamId: string | null; revision: bigint | number | null; globalPosition: bigint | number | null; eventId: string | null },
    detail: string,
  ): Problem | null {
    const key = `${kind}|${at.eventId}|${at.globalPosition}|${at.revision}`;
    if (this.problemKeys.has(key)) return null;
    if (this.problems.length >= this.maxProblems) {
      this.truncated = true;
      return null;
    }
    this.problemKeys.add(key);
    const problem: Problem = {
      kind,
      streamId: at.streamId,
      revision: at.revision === null ? null : Number(at.revision),
      globalPosition: at.globalPosition === null ? null : Number(at.globalPosition),
      eventId: at.eventId,
      detail,
      order: this.order++,
    };
    this.problems.push(problem);
    return problem;
  }
}

/** Verifies a sequence of events (in log order) against the given checkpoints. */
export async function verifyLog(
  events: AsyncIterable<RecordedEvent> | Iterable<RecordedEvent>,
  checkpoints: readonly RecordedEvent[],
  options: VerifyOptions,
): Promise<VerificationReport> {
  const verifier = new LogVerifier(checkpoints, options);
  for await (const event of events) verifier.add(event);
  return verifier.finish();
}
