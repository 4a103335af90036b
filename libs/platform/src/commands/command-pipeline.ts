import { HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import { Clock, Decider, DomainError, DomainEvent, EventRegistry, IdGenerator, decodeEvent } from '@ipstd/kernel';
import { EVENT_STORE, EventStore, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@ipstd/event-store';
import { ProblemException } from '../errors/problem';
import { CLOCK, ID_GENERATOR } from '../tokens';
import { Metrics } from '../observability/metrics';
import { CommandContext } from './command-context';

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
}

/**
 * The one write path: read the stream, fold, decide, append with the revision that was read.
 * A stale If-Match gives 412 before deciding; losing a race to another writer gives 409 (or 412
 * when the caller sent If-Match).
 */
@Injectable()
export class CommandPipeline {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  async load<Command, Event extends DomainEvent, State>(spec: StreamSpec<Command, Event, State>): Promise<{ state: State; revision: bigint | null; recorded: RecordedEvent[] }> {
    const recorded = await this.store.readStream(spec.streamId);
    const state = recorded.reduce((s, e) => spec.decider.evolve(s, decodeEvent(spec.events, e.type, e.schemaVersion, e.data)), spec.decider.initialState());
    return { state, revision: recorded.length ? recorded[recorded.length - 1].revision : null, recorded };
  }

  async run<Command extends { type: string }, Event extends DomainEvent, State>(
    spec: StreamSpec<Command, Event, State>,
    context: CommandContext,
    commandFor: (state: State, now: Date) => Command,
  ): Promise<CommandResult<State>> {
    let name = 'unknown';
    try {
      const result = await this.execute(spec, context, (state, now) => {
        const command = commandFor(state, now);
        name = command.type;
        return command;
      });
      this.metrics?.commands.inc({ command: name, outcome: result.replayed ? 'replayed' : 'accepted' });
      return result;
    } catch (error) {
      this.metrics?.commands.inc({ command: name, outcome: outcomeOf(error) });
      throw error;
    }
  }

  private async execute<Command, Event extends DomainEvent, State>(
    spec: StreamSpec<Command, Event, State>,
    context: CommandContext,
    commandFor: (state: State, now: Date) => Command,
  ): Promise<CommandResult<State>> {
    const { state, revision, recorded } = await this.load(spec);
    const storeKey = context.idempotencyKey ? `${context.actor.userId}:${context.idempotencyKey}` : null;
    if (storeKey) {
      const earlier = recorded.filter((e) => e.metadata.idempotencyKey === storeKey);
      if (earlier.length > 0) return this.replay(spec, recorded, earlier);
    }
    if (context.expectedRevision !== null && context.expectedRevision !== revision) {
      throw preconditionFailed(revision);
    }
    const now = this.clock.now();
    const decided = spec.decider.decide(commandFor(state, now), state);
    if (decided.length === 0) return { state, revision: revision ?? -1n, events: [], replayed: false };
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
      },
    }));
    try {
      const result = await this.store.appendToStream(spec.streamId, newEvents, {
        expectedRevision: revision === null ? 'no-stream' : revision,
        idempotencyKey: storeKey,
      });
      if (result.replayed) {
        const all = await this.store.readStream(spec.streamId);
        return this.replay(spec, all, result.events);
      }
      const next = decided.reduce(spec.decider.evolve, state);
      return { state: next, revision: result.nextExpectedRevision, events: result.events, replayed: false };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        if (context.expectedRevision !== null) throw preconditionFailed(error.actual);
      }
      throw error;
    }
  }

  private replay<Command, Event extends DomainEvent, State>(
    spec: StreamSpec<Command, Event, State>,
    stream: readonly RecordedEvent[],
    earlier: readonly RecordedEvent[],
  ): CommandResult<State> {
    const upTo = earlier[earlier.length - 1].revision;
    const state = stream
      .filter((e) => e.revision <= upTo)
      .reduce((s, e) => spec.decider.evolve(s, decodeEvent(spec.events, e.type, e.schemaVersion, e.data)), spec.decider.initialState());
    return { state, revision: upTo, events: earlier, replayed: true };
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
