import { HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import { Clock, Decider, DomainError, DomainEvent, EventRegistry, IdGenerator } from '@ipstd/kernel';
import { EVENT_STORE, EventStore, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@ipstd/event-store';
import { ProblemException } from '../errors/problem';
import { CLOCK, ID_GENERATOR } from '../tokens';
import { Metrics } from '../observability/metrics';
import { CommandContext } from './command-context';
import { domainEventOf, readStreamEvents } from '../events/stored-events';

export interface CommandResult<State> {
  readonly state: State;
  /** Stream revision after the command: the aggregate's ETag. */
  readonly revision: bigint;
  readonly events: readonly RecordedEvent[];
  /** True when an earlier identical request (same idempotency key or event ids) already did this. */
  readonly replayed: boolean;
}

export interface StreamSpec<Command, Event extends DomainEvent, State> {
  readonly streamId: string;
  readonly decider: Decider<Command, Event, State>;
  readonly events: EventRegistry<Event>;
  /**
   * The city the stream belongs to, from its state after the decided events (null for a stream of no
   * city): stamped into every appended event's metadata (docs/events.md, "Metadata").
   */
  readonly city: (state: State) => string | null;
}

/** A stream as the pipeline read it: the folded state, its last revision and the events behind it. */
export interface LoadedStream<State> {
  readonly state: State;
  /** Last revision, null when the stream does not exist. */
  readonly revision: bigint | null;
  readonly recorded: readonly RecordedEvent[];
}

/** A stream's recorded events folded into its state by its spec. */
function foldStream<Command, Event extends DomainEvent, State>(spec: StreamSpec<Command, Event, State>, recorded: readonly RecordedEvent[]): LoadedStream<State> {
  const state = readStreamEvents(spec.events, recorded).reduce((s, e) => spec.decider.evolve(s, domainEventOf(e)), spec.decider.initialState());
  return { state, revision: recorded.length ? recorded[recorded.length - 1].revision : null, recorded };
}

/** How often, and how patiently, a command that lost a race to another writer is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** First back-off; it doubles per attempt up to maxDelayMs, each with random jitter (50–100 %). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The retry used where a lost race should be decided again on the new state (budget, process steps). */
export const RETRY_ON_CONFLICT: RetryPolicy = { attempts: 25, baseDelayMs: 2, maxDelayMs: 200 };

export interface RunOptions<State> {
  /**
   * The use case's authorisation policy. Runs after the idempotency replay and the If-Match check
   * and before deciding, on the state just loaded; it throws (403, 404) to refuse.
   */
  readonly authorise?: (state: State) => void;
  /**
   * Decide again on the new state when another writer appended first. Never used when the caller
   * sent If-Match: a caller who named a revision gets 412 instead.
   */
  readonly retry?: RetryPolicy;
  /**
   * The stream as the caller already read it, alongside the other reads the command needs: the first
   * attempt decides on it instead of reading the stream again; a retry after a lost race reads afresh.
   * Reading a little earlier is as safe as a request arriving a little earlier: the append still
   * expects the revision that was read.
   */
  readonly loaded?: LoadedStream<State>;
}

/** Builds the command from the state just loaded; may load what else the decision needs (programme terms, rule set). */
export type CommandFactory<Command, State> = (state: State, now: Date) => Command | Promise<Command>;

/**
 * The one write path. Its order is fixed (docs/architecture.md, "The write path"):
 *
 *   load → idempotency replay → If-Match → authorise → decide → append
 *
 * A retry with an Idempotency-Key already on the stream answers the first result before anything
 * else is checked; a stale If-Match answers 412 before the decision; losing a race to another writer
 * answers 409 (412 with If-Match), or, with a retry policy, is decided again on the new state.
 */
@Injectable()
export class CommandPipeline {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  async load<Command, Event extends DomainEvent, State>(spec: StreamSpec<Command, Event, State>): Promise<LoadedStream<State>> {
    return foldStream(spec, await this.store.readStream(spec.streamId));
  }

  /**
   * Two or three streams a command needs, read together (EventStore.readStreams: one query on
   * PostgreSQL) and each folded by its spec. A stream that does not exist comes back empty, as `load`
   * gives it.
   */
  loadAll<C1, E1 extends DomainEvent, S1, C2, E2 extends DomainEvent, S2>(
    specs: readonly [StreamSpec<C1, E1, S1>, StreamSpec<C2, E2, S2>],
  ): Promise<[LoadedStream<S1>, LoadedStream<S2>]>;
  loadAll<C1, E1 extends DomainEvent, S1, C2, E2 extends DomainEvent, S2, C3, E3 extends DomainEvent, S3>(
    specs: readonly [StreamSpec<C1, E1, S1>, StreamSpec<C2, E2, S2>, StreamSpec<C3, E3, S3>],
  ): Promise<[LoadedStream<S1>, LoadedStream<S2>, LoadedStream<S3>]>;
  async loadAll(specs: ReadonlyArray<StreamSpec<never, DomainEvent, unknown>>): Promise<Array<LoadedStream<unknown>>> {
    const read = await this.store.readStreams(specs.map((spec) => spec.streamId));
    return specs.map((spec) => foldStream(spec, read.get(spec.streamId) ?? []));
  }

  /** The key under which the caller's Idempotency-Key is stored: keys are the caller's own. */
  storeKey(context: CommandContext): string | null {
    return context.idempotencyKey ? `${context.actor.userId}:${context.idempotencyKey}` : null;
  }

  /** Step 2: the first result again when this caller's key is already on the stream, else null. */
  replayed<Command, Event extends DomainEvent, State>(spec: StreamSpec<Command, Event, State>, loaded: LoadedStream<State>, context: CommandContext): CommandResult<State> | null {
    const key = this.storeKey(context);
    if (!key) return null;
    const earlier = loaded.recorded.filter((e) => e.metadata.idempotencyKey === key);
    return earlier.length > 0 ? this.replay(spec, loaded.recorded, earlier) : null;
  }

  /** Step 3: a caller who named a revision (If-Match) must have seen the current one. */
  checkExpectedRevision(loaded: LoadedStream<unknown>, context: CommandContext): void {
    if (context.expectedRevision !== null && context.expectedRevision !== loaded.revision) throw preconditionFailed(loaded.revision);
  }

  /** The whole write path for one stream, with the metrics of its outcome. */
  async run<Command extends { type: string }, Event extends DomainEvent, State>(
    spec: StreamSpec<Command, Event, State>,
    context: CommandContext,
    commandFor: CommandFactory<Command, State>,
    options: RunOptions<State> = {},
  ): Promise<CommandResult<State>> {
    let name = 'unknown';
    let preloaded = options.loaded;
    return this.measured(
      () => name,
      () =>
        this.withRetry(context, options.retry, async () => {
          const loaded = preloaded ?? (await this.load(spec));
          preloaded = undefined;
          const replay = this.replayed(spec, loaded, context);
          if (replay) return replay;
          this.checkExpectedRevision(loaded, context);
          options.authorise?.(loaded.state);
          const now = this.clock.now();
          const command = await commandFor(loaded.state, now);
          name = command.type;
          return this.decideAndAppend(spec, loaded, context, command, now);
        }),
    );
  }

  /** Records the outcome of a command (accepted, replayed, refused, conflict, failed) under its type. */
  async measured<T extends { replayed: boolean }>(name: () => string, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.metrics?.commands.inc({ command: name(), outcome: result.replayed ? 'replayed' : 'accepted' });
      return result;
    } catch (error) {
      this.metrics?.commands.inc({ command: name(), outcome: outcomeOf(error) });
      throw error;
    }
  }

  /**
   * Runs `attempt` again when it loses a race (WrongExpectedRevisionError), with jittered exponential
   * back-off, as the policy allows. With If-Match the race is the caller's to settle: 412 at once.
   */
  async withRetry<T>(context: CommandContext, policy: RetryPolicy | undefined, attempt: () => Promise<T>): Promise<T> {
    return retryOnConflict(policy ?? { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, async () => {
      try {
        return await attempt();
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && context.expectedRevision !== null) throw preconditionFailed(error.actual);
        throw error;
      }
    });
  }

  /** Steps 5 and 6: decide on the loaded state and append at the revision that was read. */
  async decideAndAppend<Command, Event extends DomainEvent, State>(
    spec: StreamSpec<Command, Event, State>,
    loaded: LoadedStream<State>,
    context: CommandContext,
    command: Command,
    now: Date,
  ): Promise<CommandResult<State>> {
    const { state, revision } = loaded;
    const decided = spec.decider.decide(command, state);
    if (decided.length === 0) return { state, revision: revision ?? -1n, events: [], replayed: false };
    const storeKey = this.storeKey(context);
    const next = decided.reduce(spec.decider.evolve, state);
    const city = spec.city(next);
    const newEvents: NewEvent[] = decided.map((event) => ({
      eventId: this.ids.next(),
      type: event.type,
      schemaVersion: (spec.events as Record<string, { version: number }>)[event.type].version,
      data: event.data,
      metadata: {
        actor: context.actor,
        correlationId: context.correlationId,
        causationId: context.causationId,
        effectiveAt: now.toISOString(),
        idempotencyKey: storeKey,
        city,
      },
    }));
    const result = await this.store.appendToStream(spec.streamId, newEvents, {
      expectedRevision: revision === null ? 'no-stream' : revision,
      idempotencyKey: storeKey,
    });
    if (result.replayed) {
      const all = await this.store.readStream(spec.streamId);
      return this.replay(spec, all, result.events);
    }
    return { state: next, revision: result.nextExpectedRevision, events: result.events, replayed: false };
  }

  private replay<Command, Event extends DomainEvent, State>(
    spec: StreamSpec<Command, Event, State>,
    stream: readonly RecordedEvent[],
    earlier: readonly RecordedEvent[],
  ): CommandResult<State> {
    const upTo = earlier[earlier.length - 1].revision;
    const state = readStreamEvents(spec.events, stream)
      .filter((e) => e.revision <= upTo)
      .reduce((s, e) => spec.decider.evolve(s, domainEventOf(e)), spec.decider.initialState());
    return { state, revision: upTo, events: earlier, replayed: true };
  }
}

/**
 * Runs `attempt` again when it loses a race to another writer (WrongExpectedRevisionError), with
 * jittered exponential back-off, up to the policy's attempts; any other error ends it at once. The
 * one retry loop of the code base: the pipeline and callers outside it (inbound messages, seeding) use it.
 */
export async function retryOnConflict<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || n >= policy.attempts) throw error;
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    }
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof DomainError) return 'refused';
  if (error instanceof WrongExpectedRevisionError) return 'conflict';
  if (error instanceof ProblemException && error.status === HttpStatus.PRECONDITION_FAILED) return 'conflict';
  return 'failed';
}

function preconditionFailed(current: bigint | null): ProblemException {
  return new ProblemException(
    HttpStatus.PRECONDITION_FAILED,
    'PRECONDITION_FAILED',
    { zh: 'If-Match 中的版本已过期，请重新读取后再试', en: 'The If-Match revision is stale; read the record again and retry' },
    { currentRevision: current === null ? null : current.toString() },
  );
}

/** The context of a command the system issues itself (seeding, process managers), caused by an earlier event. */
export function systemContext(userId: string, correlationId: string, causationId: string | null = null): CommandContext {
  return { actor: { userId, role: 'system', organisation: null }, correlationId, causationId, idempotencyKey: null, expectedRevision: null };
}

/** Raised by handlers when a referenced aggregate does not exist. */
export function notFound(code: string, zh: string, en: string): DomainError {
  return new DomainError(code, 'not-found', { zh, en });
}
