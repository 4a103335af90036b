import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { cityOf } from '@ipstd/applications';

/** Where a stream's city comes from: the event that creates the stream, or the event itself. */
const CITY_OF_EVENT: Readonly<Record<string, (data: any) => string>> = {
  ProgrammeOpened: (d) => d.terms.city,
  ApplicationSubmitted: (d) => cityOf(d.profile.enterprise.district),
  GrantAwarded: (d) => cityOf(d.enterprise.district),
  StatementImported: (d) => d.city,
};

/**
 * The city of each published event, for the `city` attribute and for scoping the REST feed to an
 * auditor's city. Streams are created by an event that names it (programme, application, grant), so
 * later events look the first one up once; a bounded cache keeps hot streams.
 */
export class CityResolver {
  /** Stream → its city, or null for a stream whose first event names none (so it is looked up once). */
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly store: Pick<EventStore, 'readStream'>, private readonly capacity = 50_000) {}

  async cityOf(event: RecordedEvent): Promise<string | null> {
    const own = CITY_OF_EVENT[event.type];
    if (own) {
      const city = own(event.data);
      this.remember(event.streamId, city);
      return city;
    }
    if (this.cache.has(event.streamId)) return this.cache.get(event.streamId)!;
    const [first] = await this.store.readStream(event.streamId, { maxCount: 1 });
    const creator = first && CITY_OF_EVENT[first.type];
    const city = creator ? creator(first.data) : null;
    this.remember(event.streamId, city);
    return city;
  }

  private remember(streamId: string, city: string | null): void {
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(streamId, city);
  }
}
