import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { CheckpointedWorker, PG_POOL, readEventOf, systemContext } from '@ipstd/platform';
import { PROGRAMME_EVENTS } from '../../domain';
import { PublicNotices } from './public-notices';

/**
 * Reactor: every upheld objection (ObjectionResolved, outcome upheld) withdraws the selection it names
 * and releases that selection's budget commitment. The resolving request does the same at once; this
 * completes it after a crash between the steps (at least once; each step is idempotent).
 */
@Injectable()
export class ObjectionSettler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('objection-settler');
  readonly worker: CheckpointedWorker;

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(EVENT_STORE) store: EventStore, private readonly notices: PublicNotices) {
    this.worker = new CheckpointedWorker(pool, store, 'objection-settler', (events) => this.handle(events), { log: this.logger, eventTypes: ['ObjectionResolved'] });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const recorded of events) {
      if (recorded.type !== 'ObjectionResolved') continue;
      const event = readEventOf(PROGRAMME_EVENTS, 'ObjectionResolved', recorded);
      if (event.data.outcome !== 'upheld') continue;
      await this.notices.settleUpheld(event.data.programmeId, event.data.objectionId, systemContext('system:objection-settler', recorded.metadata.correlationId, recorded.eventId));
    }
  }
}
