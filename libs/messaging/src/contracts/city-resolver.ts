import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { cityOf } from '@ipstd/applications';
import type { StreamOrigin } from './catalog';

const NO_ORIGIN: StreamOrigin = { city: null, enterprise: null };

/** What a stream's creating event says about it: its city and, for grants, the enterprise. */
const ORIGIN_OF_EVENT: Readonly<Record<string, (data: any) => StreamOrigin>> = {
  ProgrammeOpened: (d) => ({ city: d.terms.city, enterprise: null }),
  ApplicationSubmitted: (d) => ({ city: cityOf(d.profile.enterprise.district), enterprise: null }),
  GrantAwarded: (d) => ({ city: cityOf(d.enterprise.district), enterprise: { creditCode: d.enterprise.creditCode, name: d.enterprise.name } }),
  StatementImported: (d) => ({ city: d.city, enterprise: null }),
  DeadlineReminderSent: (d) => ({ city: d.city, enterprise: null }),
};

/**
 * The city of each published event, for the `city` attribute and for scoping the REST feed to an
 * auditor's city, and the grant's enterprise for the credit system's events. Streams are created by an
 * event that names them (programme, application, grant), so later events look the first one up once; a
 * bounded cache keeps hot streams.
 */
export class CityResolver {
  /** Stream → what its creating event says (NO_ORIGIN for a stream whose first event names nothing, so it is looked up once). */
  private readonly cache = new Map<string, StreamOrigin>();

  constructor(private readonly store: Pick<EventStore, 'readStream'>, private readonly capacity = 50_000) {}

  async cityOf(event: RecordedEvent): Promise<string | null> {
    return (await this.originOf(event)).city;
  }

  async originOf(event: RecordedEvent): Promise<StreamOrigin> {
    const own = ORIGIN_OF_EVENT[event.type];
    if (own) {
      const origin = own(event.data);
      this.remember(event.streamId, origin);
      return origin;
    }
    const cached = this.cache.get(event.streamId);
    if (cached) return cached;
    const [first] = await this.store.readStream(event.streamId, { maxCount: 1 });
    const creator = first && ORIGIN_OF_EVENT[first.type];
    const origin = creator ? creator(first.data) : NO_ORIGIN;
    this.remember(event.streamId, origin);
    return origin;
  }

  private remember(streamId: string, origin: StreamOrigin): void {
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(streamId, origin);
  }
}
