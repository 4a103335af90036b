import { AppendOptions, AppendResult, EventStore, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent, Subscription, WrongExpectedRevisionError, chainEvents, toJsonValue } from '@ipstd/event-store';

/** Just enough of the event-store port, in memory, for the sealer and the verifier specs. */
export class MemoryEventStore implements EventStore {
  events: RecordedEvent[] = [];
  private position = 0n;
  private ms = Date.parse('2024-11-01T00:00:00Z');

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const stream = this.events.filter((e) => e.streamId === streamId);
    const last = stream[stream.length - 1] ?? null;
    const actual = last ? last.revision : null;
    const expected = options.expectedRevision;
    if ((expected === 'no-stream' && actual !== null) || (typeof expected === 'bigint' && expected !== actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
    this.ms += 1000;
    const chained = chainEvents(
      streamId,
      events.map((e) => ({ ...e, data: toJsonValue(e.data), metadata: toJsonValue(e.metadata) })),
      { revision: actual, lastHash: last?.hash ?? null },
      new Date(this.ms).toISOString(),
      null,
    );
    const recorded = chained.map((c) => ({ ...c, globalPosition: (this.position += 1n) }));
    this.events.push(...recorded);
    return { streamId, nextExpectedRevision: recorded[recorded.length - 1].revision, firstPosition: recorded[0].globalPosition, lastPosition: this.position, events: recorded, replayed: false };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    let stream = this.events.filter((e) => e.streamId === streamId);
    if (options.direction === 'backwards') stream = stream.reverse().filter((e) => options.fromRevision === undefined || e.revision <= options.fromRevision);
    else stream = stream.filter((e) => e.revision >= (options.fromRevision ?? 0n));
    return options.maxCount === undefined ? stream : stream.slice(0, Math.max(0, options.maxCount));
  }

  async readStreams(streamIds: readonly string[]): Promise<ReadonlyMap<string, RecordedEvent[]>> {
    return new Map(await Promise.all([...new Set(streamIds)].map(async (id) => [id, await this.readStream(id)] as const)));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.events
      .filter((e) => e.globalPosition > (options.after ?? 0n) && (options.until === undefined || e.globalPosition <= options.until))
      .filter((e) => !options.eventTypes || options.eventTypes.includes(e.type))
      .slice(0, options.maxCount ?? 1000);
  }

  subscribeToAll(): Subscription {
    throw new Error('not in the memory store');
  }

  async headPosition(): Promise<bigint> {
    return this.position;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

export function newEvent(id: number, type: string, data: unknown): NewEvent {
  return {
    eventId: `00000000-0000-7000-8000-${String(id).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    data,
    metadata: { actor: { userId: 'u1', role: 'applicant', organisation: null }, correlationId: `c${id}`, causationId: null, effectiveAt: '2024-11-01T00:00:00.000Z', idempotencyKey: null },
  };
}
