import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { EventFeed } from './http/event-feed';
import { EventsController } from './http/events.controller';
import { ContractsController } from './http/contracts.controller';
import { IntegrationStatusController } from './http/integration-status.controller';
import { IntegrationGateway } from './integration-gateway';
import { ReminderScheduler } from './reminders/reminder-scheduler';

/**
 * The integration edge: the REST event feed and the published contracts always; the Kafka gateway
 * (relay and inbound consumer) when KAFKA_BROKERS is set. Inbound messages run the same commands as
 * the REST endpoints, so the process must also register those commands' handlers (the standalone
 * app has them through ApplicationsModule and GrantsModule; the gateway app registers them itself).
 * The reminder scheduler runs here too: its reminders are integration events (`<prefix>.notifications`).
 */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController, ContractsController, IntegrationStatusController],
  providers: [{ provide: EventFeed, inject: [EVENT_STORE], useFactory: (store: EventStore) => new EventFeed(store) }, IntegrationGateway, ReminderScheduler],
  exports: [IntegrationGateway, EventFeed, ReminderScheduler],
})
export class MessagingModule {}
