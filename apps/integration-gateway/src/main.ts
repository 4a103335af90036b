import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PlatformModule, Runtime, bootstrap, exitOnStartupFailure } from '@ipstd/platform';
import { RecordEnterpriseFactHandler } from '@ipstd/applications';
import { GrantDecisionHandler } from '@ipstd/grants';
import { MessagingModule } from '@ipstd/messaging';

/**
 * The integration gateway as its own process: log → Kafka (CloudEvents), Kafka inbound → the same
 * commands the REST endpoints run, and the REST event feed. Without KAFKA_BROKERS only the feed runs.
 */
@Module({})
class IntegrationGatewayModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: IntegrationGatewayModule,
      imports: [PlatformModule.forRoot(runtime), CqrsModule, MessagingModule],
      providers: [RecordEnterpriseFactHandler, GrantDecisionHandler],
    };
  }
}

bootstrap({ title: 'integration-gateway', module: (runtime) => IntegrationGatewayModule.register(runtime) }).catch(exitOnStartupFailure);
