import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { Clock } from '@ipstd/kernel';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { APP_CONFIG, AppConfig, CLOCK, Metrics, PG_POOL } from '@ipstd/platform';
import { createKafka, ensureTopics } from './kafka/client';
import { Topics, topicsFor } from './kafka/topics';
import { IntegrationRelay } from './relay/integration-relay';
import { InboundConsumer } from './inbound/inbound-consumer';
import { InboundProcessor } from './inbound/inbound-processor';

export interface GatewayStatus {
  readonly enabled: boolean;
  readonly brokers: readonly string[];
  readonly topics: Topics;
  readonly relay: { readonly leading: boolean; readonly checkpoint: string; readonly head: string; readonly lag: string; readonly lastError: string | null } | null;
}

/**
 * The integration gateway: the relay (log → Kafka) and the inbound consumer (Kafka → commands).
 * Runs only when KAFKA_BROKERS is set; without it the REST feed is the way out and the REST
 * endpoints the way in. Kafka being unreachable at start does not stop the process: the gateway
 * keeps trying in the background (the log is the backlog).
 */
@Injectable()
export class IntegrationGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly topics: Topics;
  private readonly kafka: Kafka | null;
  private relay: IntegrationRelay | null = null;
  private consumer: InboundConsumer | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private readonly log = new Logger('IntegrationGateway');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: CommandBus,
    @Optional() private readonly metrics?: Metrics,
  ) {
    this.topics = topicsFor(config.kafka.topicPrefix);
    this.kafka = config.kafkaBrokers.length ? createKafka({ brokers: config.kafkaBrokers, clientId: config.kafka.clientId }) : null;
  }

  get enabled(): boolean {
    return this.kafka !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.kafka) {
      this.log.log({ msg: 'KAFKA_BROKERS not set: integration gateway off; GET /v1/events serves the integration events' });
      return;
    }
    this.starting = this.startWithRetry(this.kafka);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.relay?.stop();
    await this.consumer?.stop();
  }

  /** Resolves once the relay and the consumer are running (tests and the bench wait on it). */
  async ready(): Promise<void> {
    await this.starting;
  }

  async status(): Promise<GatewayStatus> {
    const base = { enabled: this.enabled, brokers: this.config.kafkaBrokers, topics: this.topics };
    if (!this.relay) return { ...base, relay: null };
    const [checkpoint, head] = await Promise.all([this.relay.checkpoint(), this.store.headPosition()]);
    return { ...base, relay: { leading: this.relay.leading, checkpoint: checkpoint.toString(), head: head.toString(), lag: (head - checkpoint).toString(), lastError: this.relay.lastError } };
  }

  private async startWithRetry(kafka: Kafka): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.start(kafka);
        return;
      } catch (error) {
        this.log.error({ msg: 'integration gateway could not start; retrying', attempt, error: (error as Error).message });
        await this.consumer?.stop();
        this.consumer = null;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * attempt)));
      }
    }
  }

  private async start(kafka: Kafka): Promise<void> {
    const { kafka: settings } = this.config;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await ensureTopics(
        admin,
        [
          ...Object.values(this.topics.outbound).map((topic) => ({ topic, retentionMs: settings.retentionMs })),
          ...Object.values(this.topics.inbound).map((topic) => ({ topic })),
          { topic: this.topics.deadLetter, retentionMs: -1 },
        ],
        settings.partitions,
        settings.replicationFactor,
      );
      if (created.length) this.log.log({ msg: 'created topics', topics: created });
    } finally {
      await admin.disconnect();
    }
    if (this.stopped) return;
    if (!this.relay) {
      this.relay = new IntegrationRelay(kafka, this.pool, this.store, this.topics, { batchSize: settings.relayBatchSize }, this.metrics);
      await this.relay.start();
    }
    this.consumer = new InboundConsumer(kafka, this.topics, settings.consumerGroup, new InboundProcessor(this.commands), this.clock, this.metrics);
    await this.consumer.start();
    this.log.log({ msg: 'integration gateway running', brokers: this.config.kafkaBrokers, topics: this.topics });
  }
}
