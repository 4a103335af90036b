import { Logger } from '@nestjs/common';
import { Kafka, Message, Producer } from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { CheckpointedWorker, Metrics } from '@ipstd/platform';
import { INTEGRATION_CONTRACTS, contractsForDomainType } from '../contracts/catalog';
import { toIntegrationEvent } from '../contracts/cloud-event';
import { CityResolver } from '../contracts/city-resolver';
import { toKafkaRecord } from '../kafka/binding';
import { Topics } from '../kafka/topics';

export const RELAY_WORKER = 'integration-relay';

/**
 * The session advisory lock the publishing relay holds. Every gateway process starts a relay; only
 * the holder of this lock publishes, the others stand by and take over when it is released (the
 * holder stops, or its database session ends).
 */
export const RELAY_LEASE_LOCK = 7_320_500_006;

/** kafkajs sends one request per call; keep each well under the broker's default 1 MiB message.max.bytes per partition batch. */
const MAX_REQUEST_BYTES = 512 * 1024;
/** The lag gauge costs a query; refresh it at most this often. */
const LAG_EVERY_MS = 1000;

export interface RelayOptions {
  readonly batchSize: number;
  readonly retryDelayMs?: number;
  /** How often a standing-by relay tries to take the lease (default 5 s). */
  readonly leaseRetryMs?: number;
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
  /** The session holding RELAY_LEASE_LOCK while this relay publishes; null while standing by. */
  private lease: PoolClient | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly leaseRetryMs: number;
  private readonly cities: CityResolver;
  private readonly log = new Logger('IntegrationRelay');

  constructor(
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly topics: Topics,
    options: RelayOptions,
    private readonly metrics?: Metrics,
  ) {
    this.cities = new CityResolver(store);
    this.leaseRetryMs = options.leaseRetryMs ?? 5000;
    this.worker = new CheckpointedWorker(pool, store, RELAY_WORKER, (events) => this.publish(events), {
      batchSize: options.batchSize,
      retryDelayMs: options.retryDelayMs ?? 1000,
      eventTypes: INTEGRATION_CONTRACTS.map((c) => c.domainType),
      // The relay holds its own lease (RELAY_LEASE_LOCK) and starts the worker only while it leads.
      lease: false,
      log: this.log,
      // Read and map batch N+1 while Kafka acknowledges batch N.
      overlap: true,
      beforeSubscribe: () => {
        this.sending = Promise.resolve();
      },
    });
  }

  /** Publishes if it gets the lease, otherwise stands by and keeps trying. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tryToLead();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    await this.worker.stop();
    await this.dropProducer();
    const lease = this.lease;
    this.lease = null;
    if (lease) {
      await lease.query('select pg_advisory_unlock($1)', [RELAY_LEASE_LOCK]).catch(() => undefined);
      lease.release();
    }
  }

  /** True while this relay holds the lease and publishes. */
  get leading(): boolean {
    return this.lease !== null;
  }

  private async tryToLead(): Promise<void> {
    if (this.stopped || this.lease) return;
    let client: PoolClient | null = null;
    try {
      client = await this.pool.connect();
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [RELAY_LEASE_LOCK]);
      if (!rows[0].locked) {
        client.release();
        this.standBy();
        return;
      }
      const session = client;
      session.on('error', (error) => void this.lostLease(session, error));
      this.lease = session;
      this.log.log({ msg: 'relay holds the lease and publishes' });
      await this.worker.start();
    } catch (error) {
      if (client && client !== this.lease) client.release(true);
      if (this.lease) await this.lostLease(this.lease, error);
      else this.standBy();
    }
  }

  private standBy(): void {
    if (this.stopped) return;
    this.leaseTimer = setTimeout(() => void this.tryToLead(), this.leaseRetryMs);
    this.leaseTimer.unref();
  }

  /** The lease's session ended: another relay may publish now, so this one must stop at once. */
  private async lostLease(session: PoolClient, error: unknown): Promise<void> {
    if (this.lease !== session) return;
    this.lease = null;
    this.log.error({ msg: 'relay lost its lease; standing by', error: (error as Error).message });
    await this.worker.stop();
    await this.dropProducer();
    session.release(true);
    this.standBy();
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
      const contracts = contractsForDomainType(event.type);
      if (contracts.length === 0) continue;
      const origin = await this.cities.originOf(event);
      // One record per contract: the event's own context topic, and copies for one consumer (credit).
      for (const contract of contracts) {
        const integration = toIntegrationEvent(event, origin.city, contract, origin);
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
