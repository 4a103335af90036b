import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { readEventOf, settledCityOf } from '@ipstd/platform';
import { GRANT_EVENTS } from '@ipstd/grants';
import type { StreamOrigin } from './catalog';

const NO_ORIGIN: StreamOrigin = { city: null, enterprise: null };

/** What a stream's first event says about it: its city (through the typed reader) and, for a grant, the enterprise. */
function originOfFirst(first: RecordedEvent): StreamOrigin {
  const enterprise = first.type === 'GrantAwarded' ? readEventOf(GRANT_EVENTS, 'GrantAwarded', first).data.enterprise : null;
  return { city: settledCityOf(first) ?? null, enterprise: enterprise && { creditCode: enterprise.creditCode, name: enterprise.name } };
}

const isGrantEvent = (event: RecordedEvent): boolean => Object.prototype.hasOwnProperty.call(GRANT_EVENTS, event.type);

/**
 * The city of each published event, for the `city` attribute and for scoping the REST feed to an
 * auditor's city, and the grant's enterprise for the credit system's events. The city is the typed
 * reader's (`city` in the event's metadata, docs/events.md); only an event stored before the city was
 * stamped whose data does not name it, and a grant's event (for its enterprise), need the stream's
 * first event, looked up once per stream; a bounded cache keeps hot streams.
 */
export class CityResolver {
  /** Stream → what its first event says (NO_ORIGIN for an empty stream). */
  private readonly cache = new Map<string, StreamOrigin>();

  constructor(private readonly store: Pick<EventStore, 'readStream'>, private readonly capacity = 50_000) {}

  async cityOf(event: RecordedEvent): Promise<string | null> {
    return (await this.originOf(event)).city;
  }

  async originOf(event: RecordedEvent): Promise<StreamOrigin> {
    const own = settledCityOf(event);
    if (own !== undefined && !isGrantEvent(event)) return { city: own, enterprise: null };
    const origin = await this.streamOrigin(event);
    return own !== undefined ? { ...origin, city: own } : origin;
  }

  private async streamOrigin(event: RecordedEvent): Promise<StreamOrigin> {
    const cached = this.cache.get(event.streamId);
    if (cached) return cached;
    const first = event.revision === 0n ? event : (await this.store.readStream(event.streamId, { maxCount: 1 }))[0];
    const origin = first ? originOfFirst(first) : NO_ORIGIN;
    this.remember(event.streamId, origin);
    return origin;
  }

  private remember(streamId: string, origin: StreamOrigin): void {
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(streamId, origin);
  }
}
