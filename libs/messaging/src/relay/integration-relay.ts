import { Logger } from '@nestjs/common';
import { Kafka, Message, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { CheckpointedWorker, Metrics } from '@ipstd/platform';
import { contractForDomainType } from '../contracts/catalog';
import { toIntegrationEvent } from '../contracts/cloud-event';
import { CityResolver } from '../contracts/city-resolver';
import { toKafkaRecord } from '../kafka/binding';
import { Topics } from '../kafka/topics';

export const RELAY_WORKER = 'integration-relay';

/** kafkajs sends one request per call; keep each well under the broker's default 1 MiB message.max.bytes per partition batch. */
const MAX_REQUEST_BYTES = 512 * 1024;
/** The lag gauge costs a query; refresh it at most this often. */
const LAG_EVERY_MS = 1000;

export interface RelayOptions {
  readonly batchSize: number;
  readonly retryDelayMs?: number;
}

/**
 * Publishes the log to Kafka: a checkpointed subscription (never the request path) maps each event
 * with a public contract to its CloudEvent and sends it, keyed by aggregate id, with an idempotent
 * producer (acks from all in-sync replicas, one request in flight, so order holds per partition).
 *
 * The checkpoint moves only after Kafka acknowledged the whole batch, so nothing reaches Kafka
 * unless it is in the log, and everything in the log reaches Kafka at least once. A broker outage
 * stops the relay at its checkpoint (backlog, not loss); it retries with a fresh producer.
 * Consumers deduplicate by the CloudEvent id (the domain event id).
 */
export class IntegrationRelay {
  private readonly worker: CheckpointedWorker;
  private producer: Producer | null = null;
  /** Sends in the order batches were handed over; a failed send fails every later one until the worker restarts. */
  private sending: Promise<void> = Promise.resolve();
  private lagMeasuredAt = 0;
  private readonly cities: CityResolver;
  private readonly log = new Logger('IntegrationRelay');

  constructor(
    private readonly kafka: Kafka,
    pool: Pool,
    private readonly store: EventStore,
    private readonly topics: Topics,
    options: RelayOptions,
    private readonly metrics?: Metrics,
  ) {
    this.cities = new CityResolver(store);
    this.worker = new CheckpointedWorker(pool, store, RELAY_WORKER, (events) => this.publish(events), {
      batchSize: options.batchSize,
      retryDelayMs: options.retryDelayMs ?? 1000,
      log: this.log,
      // Read and map batch N+1 while Kafka acknowledges batch N.
      overlap: true,
      beforeSubscribe: () => {
        this.sending = Promise.resolve();
      },
    });
  }

  async start(): Promise<void> {
    await this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
    await this.dropProducer();
  }

  /** Global position of the last event Kafka acknowledged (every event up to it is published). */
  checkpoint(): Promise<bigint> {
    return this.worker.checkpoint();
  }

  get lastError(): string | null {
    return this.worker.lastError;
  }

  private publish(events: readonly RecordedEvent[]): Promise<void> {
    const prepared = this.recordsOf(events);
    prepared.catch(() => undefined);
    const sent = this.sending.then(async () => this.send(await prepared, events));
    this.sending = sent;
    return sent;
  }

  private async send(batches: Array<Map<string, Message[]>>, events: readonly RecordedEvent[]): Promise<void> {
    try {
      const producer = await this.connectedProducer();
      for (const batch of batches) {
        await producer.sendBatch({ topicMessages: [...batch.entries()].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
        for (const [topic, messages] of batch) this.metrics?.integrationPublished.inc({ topic }, messages.length);
      }
    } catch (error) {
      // A producer that failed mid-request may hold sequence numbers the broker never saw; start over with a new one.
      await this.dropProducer();
      throw error;
    }
    const now = Date.now();
    if (this.metrics && now - this.lagMeasuredAt >= LAG_EVERY_MS) {
      this.lagMeasuredAt = now;
      const head = await this.store.headPosition();
      this.metrics.integrationRelayLag.set(Number(head - events[events.length - 1].globalPosition));
    }
  }

  /** Kafka records per topic, in log order, split into requests of bounded size. */
  private async recordsOf(events: readonly RecordedEvent[]): Promise<Array<Map<string, Message[]>>> {
    const batches: Array<Map<string, Message[]>> = [];
    let current = new Map<string, Message[]>();
    let bytes = 0;
    for (const event of events) {
      const contract = contractForDomainType(event.type);
      if (!contract) continue;
      const integration = toIntegrationEvent(event, await this.cities.cityOf(event));
      if (!integration) continue;
      const record = toKafkaRecord(integration);
      const size = record.value.length + 512;
      if (bytes + size > MAX_REQUEST_BYTES && bytes > 0) {
        batches.push(current);
        current = new Map();
        bytes = 0;
      }
      const topic = this.topics.outbound[contract.context];
      const list = current.get(topic) ?? [];
      list.push(record);
      current.set(topic, list);
      bytes += size;
    }
    if (bytes > 0) batches.push(current);
    return batches;
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }
}
