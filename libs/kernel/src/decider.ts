/** A domain event as the domain sees it: a past-tense type and its data. The envelope is added at the edge. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/**
 * An aggregate as a pair of pure functions (after emmett's decider): `decide` turns a command and
 * the current state into new events or throws a DomainError; `evolve` folds one event into the state.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  readonly initialState: () => State;
  readonly decide: (command: Command, state: State) => Event[];
  readonly evolve: (state: State, event: Event) => State;
}

export function fold<Event extends DomainEvent, State>(decider: Pick<Decider<never, Event, State>, 'initialState' | 'evolve'>, events: readonly Event[]): State {
  return events.reduce(decider.evolve, decider.initialState());
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

/** How one stored event type is read back: its current schema version and how older versions are upcast. */
export interface EventSchema {
  readonly version: number;
  /** Turns data stored under an older schema version into the current shape. */
  readonly upcast?: (data: unknown, fromVersion: number) => unknown;
}

export type EventRegistry<Event extends DomainEvent> = { readonly [Type in Event['type']]: EventSchema };

export class UnknownEventError extends Error {
  constructor(type: string, version: number) {
    super(`cannot read stored event ${type} v${version}: unknown type or newer schema than this build`);
  }
}

/** Reads a stored event back as the domain's current shape. */
export function decodeEvent<Event extends DomainEvent>(registry: EventRegistry<Event>, type: string, schemaVersion: number, data: unknown): Event {
  const schema = (registry as Record<string, EventSchema | undefined>)[type];
  if (!schema || schemaVersion > schema.version) throw new UnknownEventError(type, schemaVersion);
  const current = schemaVersion < schema.version && schema.upcast ? schema.upcast(data, schemaVersion) : data;
  return { type, data: current } as Event;
}
