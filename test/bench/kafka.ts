/**
 * The Kafka figures of the bench (run.ts): #10 relay throughput (log → Kafka through the real
 * IntegrationRelay, in this process) against a bare kafkajs producer, and #11 inbound throughput
 * (Kafka → commands through the built integration gateway, as its own process) with its consumer lag,
 * against a bare kafkajs consumer.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Admin, Kafka, Message, Producer, ProducerBatch } from 'kafkajs';
import { Client, Pool } from 'pg';
import { EventStore, RecordedEvent, Subscription, SubscriptionOptions } from '@ipstd/event-store';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { Metrics, migrateEventStore } from '@ipstd/platform';
import { CityResolver, IntegrationRelay, RELAY_WORKER, Topics, contractForDomainType, createKafka, ensureTopics, toIntegrationEvent, toKafkaRecord, topicsFor } from '@ipstd/messaging';
import { appendGrantEvents } from '../support/integration';
import { dockerReachable } from '../support/docker';
import { freePort } from '../support/free-port';
import { KafkaBroker, localKafkaUnavailableReason, resolveKafka } from '../support/kafka-broker';
import { RunningApp, startBuiltApp } from '../support/processes';
import { disposeScratchDatabases, freshDatabase } from './database';
import { formatDuration, formatNumber, sleep } from './stats';

const GATEWAY_SECRET = 'bench-only-secret-0123456789-abcdefghijklmnop';
/** IntegrationRelay's own split of a batch into requests (MAX_REQUEST_BYTES, + 512 bytes per record), mirrored by the baseline. */
const RELAY_MAX_REQUEST_BYTES = 512 * 1024;
const RELAY_RECORD_OVERHEAD = 512;
/** Events per stream in the #10 log (appendGrantEvents: one AgreementSigned grant stream each). */
export const RELAY_EVENTS_PER_STREAM = 100;
/** A Suzhou district (GB/T 2260), as in test/support/fixtures.ts. */
const DISTRICT = '320505';
const LAG_SAMPLE_MS = 500;
const METRICS_POLL_MS = 250;

export interface KafkaBenchOptions {
  readonly repoRoot: string;
  /** The bench database: the Kafka figures create their own databases on the same server. */
  readonly benchDatabaseUrl: string;
  readonly runs: number;
  readonly relayEvents: number;
  readonly inboundMessages: number;
  readonly partitions: number;
  readonly batchSize: number;
  readonly relay: boolean;
  readonly inbound: boolean;
  readonly log: (line: string) => void;
}

/** Breakdown of one relay run (wall time, the relay works sequentially). */
export interface RelayProfile {
  /** Reading the log in batches (the subscription's readAll), outside the batch handler. */
  readonly readMs: number;
  /** Inside the batch handler: relay.publish plus the checkpoint update. */
  readonly handlerMs: number;
  /** CityResolver lookups: readStream calls and their time. */
  readonly readStreamCalls: number;
  readonly readStreamMs: number;
  /** kafkajs sendBatch (awaited: waits for the broker's acks). */
  readonly sendBatchCalls: number;
  readonly sendBatchMs: number;
  /** headPosition after each batch (the relay-lag gauge). */
  readonly headPositionMs: number;
}

export interface RelayRun {
  readonly events: number;
  readonly relayMs: number;
  readonly relayPerSecond: number;
  /** Records that reached the topic (more than the events means redelivery after a retry). */
  readonly relayRecords: number;
  readonly profile: RelayProfile;
  readonly baselineMs: number;
  readonly baselinePerSecond: number;
  readonly baselineRequests: number;
}

export interface InboundRun {
  readonly messages: number;
  /** From the first send to the moment the gateway's counter showed every message applied. */
  readonly appliedMs: number;
  readonly perSecond: number;
  /** Producing all messages (the last send acknowledged). */
  readonly produceMs: number;
  /** Largest committed-offset lag of the gateway's group on the topic, sampled every 500 ms. */
  readonly maxLag: number;
  /** From the last message acknowledged by Kafka to the first sample with committed lag 0. */
  readonly drainMs: number;
  readonly lagSamples: number;
  /** Largest integration_relay_lag_events the gateway reported meanwhile (its relay reads the same log). */
  readonly maxRelayLag: number;
  readonly baselineMs: number;
  readonly baselinePerSecond: number;
}

export interface KafkaBenchResult {
  readonly broker: string;
  readonly relay: RelayRun[];
  readonly inbound: InboundRun[];
  /** Events in the #10 log (BENCH_RELAY_EVENTS rounded up to whole streams). */
  readonly relayEvents: number;
  readonly relayStreams: number;
}

/**
 * Why no Kafka broker can be had for the bench, or null when one can (KAFKA_BROKERS set, Docker
 * reachable, or java and mvn/a cached classpath for a local broker). Cheap: nothing is started.
 */
export function kafkaUnavailableReason(): string | null {
  if (process.env.KAFKA_BROKERS?.trim()) return null;
  if (dockerReachable()) return null;
  const local = localKafkaUnavailableReason();
  return local ? `KAFKA_BROKERS is not set, no Docker engine is reachable, and ${local}` : null;
}

let runningGateway: RunningApp | null = null;
let runningBroker: KafkaBroker | null = null;

/** Kills the gateway process the bench started, drops its scratch databases and stops its broker, if any (used when the bench aborts). */
export async function abortKafka(): Promise<void> {
  const gateway = runningGateway;
  runningGateway = null;
  if (gateway && gateway.process.exitCode === null && gateway.process.signalCode === null) gateway.process.kill('SIGKILL');
  await disposeScratchDatabases();
  const broker = runningBroker;
  runningBroker = null;
  if (broker) {
    await broker.stop().catch(() => undefined);
    removeLocalBrokerFolder();
  }
}

/** resolveKafka's local java broker lives in .test-cache/kafka-<pid> (the test teardown removes it the same way). */
function removeLocalBrokerFolder(): void {
  rmSync(join(process.cwd(), '.test-cache', `kafka-${process.pid}`), { recursive: true, force: true });
}

/** Measures #10 and/or #11, `runs` times each, on a broker resolved like the tests resolve theirs. */
export async function measureKafka(options: KafkaBenchOptions): Promise<KafkaBenchResult> {
  const { log } = options;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // kafka-broker.ts finds its pom, classpath cache and broker folder relative to the working directory.
  if (resolve(process.cwd()) !== resolve(options.repoRoot)) {
    log(`changing the working directory to ${options.repoRoot} (the local Kafka broker's files are found from there)`);
    process.chdir(options.repoRoot);
  }
  log('resolving a Kafka broker (KAFKA_BROKERS → Testcontainers → local java broker)');
  const broker = await resolveKafka({ log });
  if (!broker) throw new Error(`no Kafka broker for the Kafka figures: set KAFKA_BROKERS, provide Docker, or install java and mvn (${kafkaUnavailableReason() ?? 'see above'})`);
  runningBroker = broker;
  log(`Kafka: ${broker.source}`);
  const kafka = createKafka({ brokers: broker.brokers, clientId: 'ipstd-bench' }, 'bench-kafkajs');
  const admin = kafka.admin();
  await admin.connect();
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const relay: RelayRun[] = [];
  const inbound: InboundRun[] = [];
  let relayEvents = 0;
  let relayStreams = 0;
  try {
    await warmUp(kafka, admin, `bench${stamp}warmup`, options.partitions, log);
    if (options.relay) {
      relayStreams = Math.ceil(options.relayEvents / RELAY_EVENTS_PER_STREAM);
      relayEvents = relayStreams * RELAY_EVENTS_PER_STREAM;
      const database = await freshDatabase(options.benchDatabaseUrl, 'relay', log);
      try {
        relay.push(...(await measureRelay(options, kafka, admin, database.url, relayStreams, stamp)));
      } finally {
        await database.dispose();
      }
    }
    if (options.inbound) {
      for (let run = 1; run <= options.runs; run++) {
        const database = await freshDatabase(options.benchDatabaseUrl, `inbound_r${run}`, log);
        try {
          inbound.push(await measureInbound(options, kafka, admin, broker, database.url, `bench${stamp}in${run}`, run));
        } finally {
          await database.dispose();
        }
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
    log('stopping the Kafka broker (if the bench started it)');
    runningBroker = null;
    await broker.stop();
    removeLocalBrokerFolder();
  }
  return { broker: broker.source, relay, inbound, relayEvents, relayStreams };
}

/**
 * Not measured: on a fresh broker the first idempotent producer waits for coordinators that are still
 * loading (InitProducerId is retried); that wait must not land in the first timed run.
 */
async function warmUp(kafka: Kafka, admin: Admin, prefix: string, partitions: number, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  const topic = `${prefix}.topic`;
  await ensureTopics(admin, [{ topic }], partitions, 1);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.sendBatch({ topicMessages: [{ topic, messages: [{ key: 'warm-up', value: 'warm-up' }] }], acks: -1 });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await deleteTopics(admin, prefix);
  }
  log(`Kafka warm-up (not measured): an idempotent producer sent to a fresh topic in ${formatDuration(performance.now() - started)} (kafkajs errors logged meanwhile are retries while the broker loads)`);
}

// --- #10 relay --------------------------------------------------------------------------------------

async function measureRelay(options: KafkaBenchOptions, kafka: Kafka, admin: Admin, url: string, streams: number, stamp: string): Promise<RelayRun[]> {
  const { log } = options;
  const events = streams * RELAY_EVENTS_PER_STREAM;
  const pool = new Pool({ connectionString: url, max: 20 });
  pool.on('error', () => undefined);
  const store = new PostgresEventStore(pool);
  const runs: RelayRun[] = [];
  try {
    await migrateEventStore(pool);
    log(`#10: appending ${formatNumber(events)} published events (AgreementSigned, ${formatNumber(streams)} grant streams × ${RELAY_EVENTS_PER_STREAM}) into a fresh database`);
    const filled = performance.now();
    const ids = await appendGrantEvents(store, { streams, perStream: RELAY_EVENTS_PER_STREAM, batch: RELAY_EVENTS_PER_STREAM });
    if (ids.length !== events) throw new Error(`appended ${ids.length} events, expected ${events}`);
    await pool.query('vacuum (analyze) es_events');
    const head = await store.headPosition();
    log(`#10: log of ${formatNumber(events)} events (head ${head}) written in ${formatDuration(performance.now() - filled)}; building the baseline's records (not timed)`);
    const requests = await baselineRequests(store, options.batchSize);
    const recordCount = requests.reduce((n, r) => n + r.length, 0);
    if (recordCount !== events) throw new Error(`the baseline holds ${recordCount} records, expected ${events}`);
    const metrics = new Metrics();
    for (let run = 1; run <= options.runs; run++) {
      const prefix = `bench${stamp}re${run}`;
      const topics = topicsFor(prefix);
      const baselineTopic = `${prefix}.baseline`;
      await ensureTopics(admin, [...Object.values(topics.outbound).map((topic) => ({ topic })), { topic: baselineTopic }], options.partitions, 1);
      try {
        gc();
        const baseline = await bareProducer(kafka, baselineTopic, requests);
        const baselineRecords = await topicRecords(admin, baselineTopic);
        if (baselineRecords !== events) throw new Error(`the baseline topic holds ${baselineRecords} records, expected ${events}`);
        log(`run ${run}/${options.runs}: #10 baseline: bare idempotent producer, ${formatNumber(requests.length)} sendBatch requests: ${formatNumber(events / (baseline / 1000))} records/s (${formatDuration(baseline)})`);
        gc();
        await pool.query(`update subscription_checkpoints set position = 0 where name = $1`, [RELAY_WORKER]).catch(() => undefined); // no table before the first run
        const timed = await timedRelay(kafka, pool, store, topics, head, options.batchSize, metrics, log);
        const relayRecords = await topicRecords(admin, topics.outbound.grants);
        if (relayRecords < events) throw new Error(`the relay reached checkpoint ${head} but ${topics.outbound.grants} holds ${relayRecords} records, expected ${events}`);
        const m: RelayRun = {
          events,
          relayMs: timed.ms,
          relayPerSecond: events / (timed.ms / 1000),
          relayRecords,
          profile: timed.profile,
          baselineMs: baseline,
          baselinePerSecond: events / (baseline / 1000),
          baselineRequests: requests.length,
        };
        runs.push(m);
        const p = m.profile;
        log(
          `run ${run}/${options.runs}: #10 relay, batch ${options.batchSize}: ${formatNumber(m.relayPerSecond)} events/s (${formatDuration(m.relayMs)}), ratio to baseline ${(m.relayPerSecond / m.baselinePerSecond).toFixed(2)}; ` +
            `log reads ${formatDuration(p.readMs)}, handler ${formatDuration(p.handlerMs)} (readStream ×${formatNumber(p.readStreamCalls)} ${formatDuration(p.readStreamMs)}, ` +
            `sendBatch ×${formatNumber(p.sendBatchCalls)} ${formatDuration(p.sendBatchMs)}, headPosition ${formatDuration(p.headPositionMs)})`,
        );
      } finally {
        await deleteTopics(admin, prefix);
      }
    }
    return runs;
  } finally {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

/** Runs IntegrationRelay from checkpoint 0 until its checkpoint is the head; times it and where its time went. */
async function timedRelay(
  kafka: Kafka,
  pool: Pool,
  store: EventStore,
  topics: Topics,
  head: bigint,
  batchSize: number,
  metrics: Metrics,
  log: (line: string) => void,
): Promise<{ ms: number; profile: RelayProfile }> {
  const profile = { readMs: 0, handlerMs: 0, readStreamCalls: 0, readStreamMs: 0, sendBatchCalls: 0, sendBatchMs: 0, headPositionMs: 0 };
  const relay = new IntegrationRelay(timedKafka(kafka, profile), pool, profiledStore(store, profile), topics, { batchSize }, metrics);
  const started = performance.now();
  let lastError: string | null = null;
  try {
    await relay.start();
    for (;;) {
      if ((await relay.checkpoint()) >= head) break;
      if (relay.lastError && relay.lastError !== lastError) log(`  relay error (it retries): ${(lastError = relay.lastError)}`);
      if (performance.now() - started > 600_000) throw new Error(`the relay did not reach the head ${head} within 600 s (checkpoint ${await relay.checkpoint()}, last error ${relay.lastError})`);
      await sleep(20);
    }
    const ms = performance.now() - started;
    // The subscription reads a batch, then awaits the handler, then reads the next: the rest is reading (and starting).
    return { ms, profile: { ...profile, readMs: ms - profile.handlerMs } };
  } finally {
    await relay.stop();
  }
}

/** The store as the relay sees it, timing its readStream calls (CityResolver), its batch handler and headPosition. */
function profiledStore(store: EventStore, profile: { readStreamCalls: number; readStreamMs: number; handlerMs: number; headPositionMs: number }): EventStore {
  return {
    appendToStream: (streamId, events, options) => store.appendToStream(streamId, events, options),
    readStream: async (streamId, options) => {
      const t = performance.now();
      try {
        return await store.readStream(streamId, options);
      } finally {
        profile.readStreamCalls += 1;
        profile.readStreamMs += performance.now() - t;
      }
    },
    readStreams: async (streamIds) => {
      const t = performance.now();
      try {
        return await store.readStreams(streamIds);
      } finally {
        profile.readStreamCalls += 1;
        profile.readStreamMs += performance.now() - t;
      }
    },
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options: SubscriptionOptions): Subscription =>
      store.subscribeToAll({
        ...options,
        onBatch: async (events: readonly RecordedEvent[], position: bigint) => {
          const t = performance.now();
          try {
            await options.onBatch(events, position);
          } finally {
            profile.handlerMs += performance.now() - t;
          }
        },
      }),
    headPosition: async () => {
      const t = performance.now();
      try {
        return await store.headPosition();
      } finally {
        profile.headPositionMs += performance.now() - t;
      }
    },
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** The Kafka client as the relay sees it: its producers' sendBatch calls are timed. */
function timedKafka(kafka: Kafka, profile: { sendBatchCalls: number; sendBatchMs: number }): Kafka {
  const wrapper = Object.create(kafka) as Kafka;
  wrapper.producer = (config) => {
    const producer: Producer = kafka.producer(config);
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = async (batch: ProducerBatch) => {
      const t = performance.now();
      try {
        return await sendBatch(batch);
      } finally {
        profile.sendBatchCalls += 1;
        profile.sendBatchMs += performance.now() - t;
      }
    };
    return producer;
  };
  return wrapper;
}

/**
 * The Kafka records of the whole log exactly as the relay sends them: mapped with the same resolver
 * and functions, in batches of `batchSize` events, each split into requests like the relay splits them.
 */
async function baselineRequests(store: EventStore, batchSize: number): Promise<Message[][]> {
  // Each stream's first event, read once (the relay's resolver may read it for every event, see the report).
  const firsts = new Map<string, Promise<RecordedEvent[]>>();
  const cities = new CityResolver({
    readStream: (streamId, options) => {
      let first = firsts.get(streamId);
      if (!first) firsts.set(streamId, (first = store.readStream(streamId, options)));
      return first;
    },
  });
  const requests: Message[][] = [];
  for (let after = 0n; ; ) {
    const events = await store.readAll({ after, maxCount: batchSize });
    if (events.length === 0) return requests;
    let current: Message[] = [];
    let bytes = 0;
    for (const event of events) {
      if (!contractForDomainType(event.type)) continue;
      const integration = toIntegrationEvent(event, await cities.cityOf(event));
      if (!integration) continue;
      const record = toKafkaRecord(integration);
      const size = record.value.length + RELAY_RECORD_OVERHEAD;
      if (bytes + size > RELAY_MAX_REQUEST_BYTES && bytes > 0) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(record);
      bytes += size;
    }
    if (bytes > 0) requests.push(current);
    after = events[events.length - 1].globalPosition;
  }
}

/** The relay's producer settings without the relay: connect, send every request, wait for each ack. */
async function bareProducer(kafka: Kafka, topic: string, requests: readonly Message[][]): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const started = performance.now();
  try {
    await producer.connect();
    for (const messages of requests) await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
    return performance.now() - started;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

// --- #11 inbound ------------------------------------------------------------------------------------

/** A valid GB 32100 code, numbered like test/support/seed.ts seededCreditCode. */
function creditCode(i: number): string {
  const first17 = `91${DISTRICT}MA${String(i).padStart(7, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

function inboundMessages(count: number, prefix: string): Message[] {
  return Array.from({ length: count }, (_, i) => {
    const code = creditCode(i);
    return {
      key: code,
      value: JSON.stringify({ creditCode: code, present: true, source: 'credit-china', reference: `BENCH-${prefix}-${i}`, observedAt: '2024-10-09T09:00:00+08:00' }),
      headers: { ce_specversion: '1.0', ce_id: randomUUID(), ce_source: '/credit-china', 'content-type': 'application/json' },
    };
  });
}

async function measureInbound(options: KafkaBenchOptions, kafka: Kafka, admin: Admin, broker: KafkaBroker, url: string, prefix: string, run: number): Promise<InboundRun> {
  const { log } = options;
  const topics = topicsFor(prefix);
  const topic = topics.inbound['credit-status'];
  const groupId = `${prefix}-integration-gateway`;
  const baselineGroup = `${prefix}-bench-baseline`;
  const messages = inboundMessages(options.inboundMessages, prefix);
  const main = join(options.repoRoot, 'dist/apps/integration-gateway/src/main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'ipstd-bench-gateway-'));
  const env: Record<string, string> = {
    DATABASE_URL: url,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    EVENT_STORE: 'postgres',
    AUTH_HS256_SECRET: GATEWAY_SECRET,
    KAFKA_BROKERS: broker.brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_CONSUMER_GROUP: groupId,
    KAFKA_TOPIC_PARTITIONS: String(options.partitions),
    KAFKA_RELAY_BATCH_SIZE: String(options.batchSize),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  let gateway: RunningApp | null = null;
  try {
    log(`run ${run}/${options.runs}: #11: starting the integration gateway (fresh database, topic prefix ${prefix})`);
    gateway = await startBuiltApp(main, env);
    runningGateway = gateway;
    const metricsUrl = `http://127.0.0.1:${env.PORT}/metrics`;
    await untilGroupStable(admin, groupId, gateway, 120_000);
    // ListOffsets goes to each partition's leader: once it answers, producing will not meet a leader still loading.
    await untilLeadersAnswer(admin, topic, 30_000);
    log(`run ${run}/${options.runs}: #11: gateway consuming (group ${groupId} stable); producing ${formatNumber(messages.length)} messages to ${topic} as fast as possible`);

    const lag = lagSampler(admin, groupId, topic);
    let maxRelayLag = 0;
    let dead = 0;
    const started = performance.now();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    let produceMs: number;
    try {
      for (let i = 0; i < messages.length; i += 1000) await producer.sendBatch({ topicMessages: [{ topic, messages: messages.slice(i, i + 1000) }], acks: -1 });
      produceMs = performance.now() - started;
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
    lag.produced(produceMs);
    let applied = 0;
    let lastProgress = performance.now();
    let lastApplied = 0;
    let lastLine = performance.now();
    try {
      for (;;) {
        const counts = await scrape(metricsUrl, topic);
        if (counts) {
          applied = counts.applied;
          dead = counts.deadLettered + counts.unchanged + counts.duplicate;
          maxRelayLag = Math.max(maxRelayLag, counts.relayLag);
        }
        if (dead > 0) throw new Error(`the gateway did not apply every message: ${JSON.stringify(counts)} (see ${topics.deadLetter}); output:\n${gateway.output().slice(-3000)}`);
        if (applied >= messages.length) break;
        if (gateway.process.exitCode !== null) throw new Error(`the gateway exited with ${gateway.process.exitCode}:\n${gateway.output().slice(-3000)}`);
        const now = performance.now();
        if (applied > lastApplied) {
          lastApplied = applied;
          lastProgress = now;
        } else if (now - lastProgress > 60_000) {
          throw new Error(`the gateway applied nothing for 60 s (${applied} of ${messages.length}); output:\n${gateway.output().slice(-3000)}`);
        }
        if (now - lastLine > 10_000) {
          lastLine = now;
          log(`  applied ${formatNumber(applied)} / ${formatNumber(messages.length)}, consumer lag ${formatNumber(lag.last())}`);
        }
        await sleep(METRICS_POLL_MS);
      }
      const appliedMs = performance.now() - started;
      const drainedAt = await lag.untilDrained(60_000);
      const stored = await enterpriseEvents(url);
      if (stored !== messages.length) throw new Error(`the gateway counted ${applied} applied messages but the log holds ${stored} EnterpriseFactRecorded events, expected ${messages.length}`);
      const result = { appliedMs, drainMs: drainedAt - produceMs, maxLag: lag.max(), lagSamples: lag.count() };
      log(
        `run ${run}/${options.runs}: #11 inbound: ${formatNumber(messages.length / (appliedMs / 1000))} messages/s (${formatNumber(messages.length)} applied in ${formatDuration(appliedMs)}; ` +
          `produced in ${formatDuration(produceMs)}); max consumer lag ${formatNumber(result.maxLag)}, drained ${formatDuration(result.drainMs)} after the last message was produced`,
      );
      await stopGateway(gateway, log);
      runningGateway = null;
      gateway = null;

      gc();
      const baselineMs = await bareConsumer(kafka, topic, baselineGroup, messages.length);
      log(`run ${run}/${options.runs}: #11 baseline: bare kafkajs consumer, no processing: ${formatNumber(messages.length / (baselineMs / 1000))} messages/s (${formatDuration(baselineMs)})`);
      return {
        messages: messages.length,
        appliedMs,
        perSecond: messages.length / (appliedMs / 1000),
        produceMs,
        maxLag: result.maxLag,
        drainMs: result.drainMs,
        lagSamples: result.lagSamples,
        maxRelayLag,
        baselineMs,
        baselinePerSecond: messages.length / (baselineMs / 1000),
      };
    } finally {
      await lag.stop();
    }
  } finally {
    if (gateway) await stopGateway(gateway, log);
    runningGateway = null;
    rmSync(dataDir, { recursive: true, force: true });
    await admin.deleteGroups([groupId, baselineGroup]).catch(() => undefined);
    await deleteTopics(admin, prefix);
  }
}

/** Waits until the gateway's consumer group has joined (state Stable, at least one member). */
async function untilGroupStable(admin: Admin, groupId: string, gateway: RunningApp, timeoutMs: number): Promise<void> {
  const started = performance.now();
  let state = 'unknown';
  for (;;) {
    if (gateway.process.exitCode !== null) throw new Error(`the gateway exited with ${gateway.process.exitCode}:\n${gateway.output().slice(-3000)}`);
    const { groups } = await admin.describeGroups([groupId]).catch(() => ({ groups: [] as Array<{ state: string; members: unknown[] }> }));
    state = groups[0]?.state ?? 'unknown';
    if (state === 'Stable' && (groups[0]?.members.length ?? 0) > 0) return;
    if (performance.now() - started > timeoutMs) throw new Error(`the gateway's consumer group ${groupId} was not stable within ${timeoutMs / 1000} s (state ${state}); output:\n${gateway.output().slice(-3000)}`);
    await sleep(200);
  }
}

interface LagSampler {
  /** Marks when production ended (ms since the sampler started). */
  produced(ms: number): void;
  /** Resolves with the time (ms since start) of the first sample after production with lag 0. */
  untilDrained(timeoutMs: number): Promise<number>;
  max(): number;
  last(): number;
  count(): number;
  stop(): Promise<void>;
}

/** Every 500 ms: the topic's high watermarks minus the group's committed offsets, summed over partitions. */
function lagSampler(admin: Admin, groupId: string, topic: string): LagSampler {
  const started = performance.now();
  let producedAt: number | null = null;
  let drainedAt: number | null = null;
  let max = 0;
  let last = 0;
  let count = 0;
  let stopped = false;
  let error: Error | null = null;
  const loop = (async () => {
    while (!stopped) {
      const tick = performance.now();
      try {
        const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        const at = performance.now() - started;
        const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        last = high.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Math.max(Number(p.low), done.get(p.partition) ?? -1)), 0);
        max = Math.max(max, last);
        count += 1;
        if (producedAt !== null && drainedAt === null && last === 0) drainedAt = at;
      } catch (e) {
        error = e as Error;
      }
      await sleep(Math.max(0, LAG_SAMPLE_MS - (performance.now() - tick)));
    }
  })();
  return {
    produced: (ms) => void (producedAt = ms),
    async untilDrained(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (drainedAt === null) {
        if (performance.now() > deadline) throw new Error(`the consumer lag on ${topic} did not reach 0 within ${timeoutMs / 1000} s of every message being applied (last ${last}${error ? `, last error ${error.message}` : ''})`);
        await sleep(50);
      }
      return drainedAt;
    },
    max: () => max,
    last: () => last,
    count: () => count,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

interface InboundCounts {
  applied: number;
  unchanged: number;
  duplicate: number;
  deadLettered: number;
  relayLag: number;
}

/** The gateway's inbound counters for the topic and its relay-lag gauge, from GET /metrics; null when it does not answer. */
async function scrape(url: string, topic: string): Promise<InboundCounts | null> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return null;
    text = await response.text();
  } catch {
    return null;
  }
  const counts: InboundCounts = { applied: 0, unchanged: 0, duplicate: 0, deadLettered: 0, relayLag: 0 };
  for (const line of text.split('\n')) {
    const counter = /^integration_inbound_messages_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (counter) {
      const labels = Object.fromEntries([...counter[1].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      if (labels.topic !== topic) continue;
      const value = Number(counter[2]);
      if (labels.outcome === 'applied') counts.applied += value;
      else if (labels.outcome === 'unchanged') counts.unchanged += value;
      else if (labels.outcome === 'duplicate') counts.duplicate += value;
      else counts.deadLettered += value;
      continue;
    }
    const gauge = /^integration_relay_lag_events\s+(\S+)/.exec(line);
    if (gauge) counts.relayLag = Number(gauge[1]);
  }
  return counts;
}

async function enterpriseEvents(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("select count(*) as n from es_events where stream_id like 'enterprise-%' and event_type = 'EnterpriseFactRecorded'");
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** A bare kafkajs consumer (fresh group, from the beginning, eachMessage doing nothing): from joining the group to the last message. */
async function bareConsumer(kafka: Kafka, topic: string, groupId: string, expected: number): Promise<number> {
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let joinedAt: number | null = null;
  consumer.on(consumer.events.GROUP_JOIN, () => void (joinedAt ??= performance.now()));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let received = 0;
    const doneAt = await new Promise<number>((resolveDone, rejectDone) => {
      const timer = setTimeout(() => rejectDone(new Error(`the baseline consumer received ${received} of ${expected} messages within 300 s`)), 300_000);
      consumer
        .run({
          eachMessage: async () => {
            received += 1;
            if (received === expected) {
              clearTimeout(timer);
              resolveDone(performance.now());
            }
          },
        })
        .catch((error: Error) => {
          clearTimeout(timer);
          rejectDone(error);
        });
    });
    if (joinedAt === null) throw new Error('the baseline consumer never reported joining its group');
    return doneAt - joinedAt;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

async function stopGateway(gateway: RunningApp, log: (line: string) => void): Promise<void> {
  const child = gateway.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const outcome = await Promise.race([exited.then(() => 'exited' as const), sleep(20_000).then(() => 'timeout' as const)]);
  if (outcome === 'timeout') {
    log('  the gateway did not stop within 20 s of SIGTERM; killing it');
    child.kill('SIGKILL');
    await exited;
  } else if (child.exitCode !== 0) {
    log(`  the gateway exited with ${child.exitCode ?? child.signalCode} on SIGTERM; its last output:\n${gateway.output().slice(-2000)}`);
  }
}

// --- helpers ----------------------------------------------------------------------------------------

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Asks every partition's leader for its offsets until all answer. Right after a topic is created a
 * partition may still be electing its leader ("This server is not the leader for that
 * topic-partition", a retriable error): asked again shortly after, it answers.
 */
async function untilLeadersAnswer(admin: Admin, topic: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await admin.fetchTopicOffsets(topic);
      return;
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || performance.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** Records in a topic: the sum of its partitions' high watermarks (the topics are fresh, nothing deleted). */
async function topicRecords(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

async function deleteTopics(admin: Admin, prefix: string): Promise<void> {
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } catch {
    // a broker that refuses deletion keeps them; the names are unique per run
  }
}

