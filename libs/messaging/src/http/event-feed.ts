import { EventStore } from '@ipstd/event-store';
import { IntegrationContext, contractForDomainType, contractsForDomainType } from '../contracts/catalog';
import { IntegrationEvent, toIntegrationEvent } from '../contracts/cloud-event';
import { CityResolver } from '../contracts/city-resolver';

export interface FeedQuery {
  readonly after: bigint;
  readonly limit: number;
  /** Only this context's events. */
  readonly context?: IntegrationContext;
  /** Only this city's events (auditors see their own city), and the log's signed checkpoints, which belong to none. */
  readonly city?: string;
}

export interface FeedPage {
  readonly events: IntegrationEvent[];
  /** Pass as `after` for the next page: the last position looked at, which may be past the last event returned. */
  readonly next: string;
  readonly head: string;
  /** False once the page reached the head of the log. */
  readonly more: boolean;
}

/** The log is read in chunks of this many events while a page is filled. */
const CHUNK = 1000;
/** A request looks at no more than this many events, so a sparse filter cannot make one call slow. */
const SCAN_LIMIT = 20_000;

/**
 * `GET /v1/events`: the integration events in global order, the same CloudEvents the gateway publishes
 * to Kafka (structured JSON form), for systems without Kafka. Cursor-paginated by log position.
 */
export class EventFeed {
  private readonly cities: CityResolver;

  constructor(private readonly store: EventStore) {
    this.cities = new CityResolver(store);
  }

  async page(query: FeedQuery): Promise<FeedPage> {
    const head = await this.store.headPosition();
    const events: IntegrationEvent[] = [];
    let cursor = query.after;
    let scanned = 0;
    while (events.length < query.limit && cursor < head && scanned < SCAN_LIMIT) {
      const chunk = await this.store.readAll({ after: cursor, maxCount: CHUNK });
      if (chunk.length === 0) break;
      for (const event of chunk) {
        cursor = event.globalPosition;
        scanned++;
        // Without a context, each event once under its primary contract; with one, that context's contract (credit: the copies for the credit system).
        const contract = query.context ? contractsForDomainType(event.type).find((c) => c.context === query.context) : contractForDomainType(event.type);
        if (contract) {
          const origin = await this.cities.originOf(event);
          // Signed checkpoints belong to no city: hashes of the whole log, for every reader to keep.
          if (!query.city || origin.city === query.city || contract.context === 'audit') {
            const integration = toIntegrationEvent(event, origin.city, contract, origin);
            if (integration) events.push(integration);
          }
        }
        if (events.length >= query.limit) break;
      }
    }
    return { events, next: cursor.toString(), head: head.toString(), more: cursor < head };
  }
}
