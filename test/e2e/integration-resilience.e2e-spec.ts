import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { migrateEventStore } from '@ipstd/platform';
import { IntegrationGateway, IntegrationRelay, RELAY_WORKER, createKafka, ensureTopics, topicsFor } from '@ipstd/messaging';
import { TestApp, startTestApp } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/postgres';
import { ConsumedMessage, consumeAll, testKafkaBrokers, uniqueTopicPrefix } from '../support/kafka';
import { LocalKafkaBroker, localKafkaUnavailableReason, startLocalKafka } from '../support/kafka-broker';
import { appendGrantEvents } from '../support/integration';
import { freePort } from '../support/free-port';
import { RunningApp, builtApp, startBuiltApp, stopApp } from '../support/processes';
import { until } from '../support/wait';

/** What a consumer that deduplicates by CloudEvent id ends up with. */
function deduplicated(messages: readonly ConsumedMessage[]): string[] {
  return [...new Set(messages.map((m) => m.headers.ce_id))];
}

describe('the gateway loses nothing', () => {
  it('when its process is killed mid-stream and started again', async () => {
    const brokers = testKafkaBrokers();
    const db: TestDatabase = await createTestDatabase('gwkill');
    const dataDir = mkdtempSync(join(tmpdir(), 'ipstd-gateway-'));
    const prefix = uniqueTopicPrefix('kill');
    const store = new PostgresEventStore(db.pool);
    let gateway: RunningApp | null = null;
    try {
      await migrateEventStore(db.pool);
      const before = await appendGrantEvents(store, { streams: 60, perStream: 200, batch: 50 });
      const env = {
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        AUTH_HS256_SECRET: 'gateway-kill-test-secret-0123456789abcdef',
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_TOPIC_PARTITIONS: '3',
        KAFKA_RELAY_BATCH_SIZE: '5',
      };
      // The gateway creates its checkpoint table once Kafka answers, after it is already live.
      const checkpoint = async () => {
        const { rows } = await db.pool.query("select to_regclass('subscription_checkpoints') is not null as present");
        if (!rows[0].present) return 0n;
        return BigInt((await db.pool.query('select position from subscription_checkpoints where name = $1', [RELAY_WORKER])).rows[0]?.position ?? 0);
      };

      gateway = await startBuiltApp(builtApp('integration-gateway'), env);
      const head = await store.headPosition();
      const reached = await until(checkpoint, (p) => p >= 1000n, 60_000);
      expect(await stopApp(gateway, 'SIGKILL')).toBeNull();
      const atKill = await checkpoint();
      expect(reached).toBeGreaterThanOrEqual(1000n);
      expect(atKill).toBeLessThan(head);

      // Events recorded while the gateway is down wait in the log.
      const during = await appendGrantEvents(store, { streams: 10, perStream: 50 });
      gateway = await startBuiltApp(builtApp('integration-gateway'), env);
      const finalHead = await store.headPosition();
      await until(checkpoint, (p) => p === finalHead, 120_000);
      const exit = await stopApp(gateway);
      expect({ exit, output: exit === 0 ? "" : gateway.output() }).toEqual({ exit: 0, output: "" });
      gateway = null;

      const expected = [...before, ...during];
      const messages = await consumeAll(brokers, [topicsFor(prefix).outbound.grants], { until: (m) => deduplicated(m).length >= expected.length, timeoutMs: 180_000 });
      expect(deduplicated(messages).sort()).toEqual([...expected].sort());
      expect(messages.length).toBeGreaterThanOrEqual(expected.length);
      console.log(`[gateway kill] ${expected.length} events, killed at checkpoint ${atKill} of ${head}; ${messages.length - expected.length} delivered twice, 0 lost`);
    } finally {
      if (gateway) await stopApp(gateway, 'SIGKILL');
      await store.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 420_000);

  it('when several gateways run: one relay publishes, another takes over when it stops', async () => {
    const brokers = testKafkaBrokers();
    const db = await createTestDatabase('relaylease');
    const store = new PostgresEventStore(db.pool);
    const topics = topicsFor(uniqueTopicPrefix('lease'));
    const kafka = createKafka({ brokers, clientId: 'lease-test' });
    const relays = [0, 1].map(() => new IntegrationRelay(kafka, db.pool, store, topics, { batchSize: 100, leaseRetryMs: 100 }));
    try {
      await migrateEventStore(db.pool);
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [{ topic: topics.outbound.grants }], 3, 1);
      await admin.disconnect();
      const checkpoint = () => relays[0].checkpoint();

      const first = await appendGrantEvents(store, { streams: 10, perStream: 30 });
      await Promise.all(relays.map((r) => r.start()));
      expect(relays.map((r) => r.leading).sort()).toEqual([false, true]);
      const firstHead = await store.headPosition();
      await until(checkpoint, (p) => p === firstHead, 30_000);
      const leader = relays.find((r) => r.leading)!;
      const standby = relays.find((r) => !r.leading)!;

      await leader.stop();
      const second = await appendGrantEvents(store, { streams: 10, perStream: 30 });
      const head = await store.headPosition();
      await until(checkpoint, (p) => p === head, 30_000);
      expect(standby.leading).toBe(true);

      const expected = [...first, ...second];
      const messages = await consumeAll(brokers, [topics.outbound.grants], { until: (m) => deduplicated(m).length >= expected.length, timeoutMs: 30_000 });
      expect(deduplicated(messages).sort()).toEqual([...expected].sort());
      // Only the lease holder published: nothing went out twice.
      expect(messages).toHaveLength(expected.length);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await store.close();
      await db.drop();
    }
  }, 120_000);

  describe('when the broker stops and starts again while events are recorded', () => {
    let broker: LocalKafkaBroker | null = null;
    let t: TestApp | null = null;
    const dataDir = mkdtempSync(join(process.cwd(), '.test-cache', 'kafka-restart-'));

    afterAll(async () => {
      await t?.close();
      await broker?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('drains the backlog once the broker is back', async () => {
      const unavailable = localKafkaUnavailableReason();
      // This test needs a broker of its own to stop; a shared one (KAFKA_BROKERS, Testcontainers) cannot be.
      // Without one it fails with the reason, in CI and elsewhere, rather than pass unrun.
      if (unavailable) throw new Error(`the broker-restart check needs a private Kafka broker: ${unavailable}`);
      broker = await startLocalKafka({ dataDir });
      const prefix = uniqueTopicPrefix('restart');
      t = await startTestApp({ env: { KAFKA_BROKERS: broker.brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '3', KAFKA_RELAY_BATCH_SIZE: '100' } });
      const gateway = t.app.get(IntegrationGateway);
      await gateway.ready();
      const store = t.runtime.store;

      const expected = await appendGrantEvents(store, { streams: 20, perStream: 20 });
      await until(() => gateway.status(), (s) => s.relay?.lag === '0', 60_000);

      // Stop the broker and keep recording while it is down and while it comes back.
      const restarting = broker.restart();
      for (let i = 0; i < 5; i++) {
        expected.push(...(await appendGrantEvents(store, { streams: 10, perStream: 20 })));
        await new Promise((r) => setTimeout(r, 300));
      }
      await restarting;
      expected.push(...(await appendGrantEvents(store, { streams: 10, perStream: 20 })));

      await until(() => gateway.status(), (s) => s.relay?.lag === '0', 120_000);
      const messages = await consumeAll(broker.brokers, [topicsFor(prefix).outbound.grants], { until: (m) => deduplicated(m).length >= expected.length, timeoutMs: 60_000 });
      expect(deduplicated(messages).sort()).toEqual([...expected].sort());
      console.log(`[broker restart] ${expected.length} events, ${messages.length - expected.length} delivered twice, 0 lost`);
    }, 240_000);
  });
});
