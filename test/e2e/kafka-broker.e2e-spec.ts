import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { consumeAll, createTopics, testKafkaBrokers, uniqueTopicPrefix } from '../support/kafka';
import { localKafkaUnavailableReason, startLocalKafka } from '../support/kafka-broker';

function idempotentProducer(brokers: string[]): Producer {
  return new Kafka({ clientId: 'kafka-broker-spec', brokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
}

describe('Kafka broker for the tests', () => {
  it('round-trips keyed messages with headers, in order, on the resolved broker', async () => {
    const brokers = testKafkaBrokers();
    const topic = `${uniqueTopicPrefix('broker-check')}.events`;
    await createTopics(brokers, [topic]);

    const producer = idempotentProducer(brokers);
    await producer.connect();
    try {
      // One key, so one partition: its order is the order sent.
      await producer.send({
        topic,
        acks: -1,
        messages: [1, 2, 3].map((n) => ({
          key: 'application-1',
          value: JSON.stringify({ n }),
          headers: { ce_id: `id-${n}`, ce_type: 'cn.ipstd.test.checked' },
        })),
      });
    } finally {
      await producer.disconnect();
    }

    const received = await consumeAll(brokers, [topic], { until: (messages) => messages.length >= 3, timeoutMs: 30_000 });
    expect(received.map(({ key, value, headers }) => ({ key, value, headers }))).toEqual(
      [1, 2, 3].map((n) => ({ key: 'application-1', value: JSON.stringify({ n }), headers: { ce_id: `id-${n}`, ce_type: 'cn.ipstd.test.checked' } })),
    );
    expect(new Set(received.map((m) => m.partition)).size).toBe(1);
    expect(received.map((m) => Number(m.offset))).toEqual([0, 1, 2]);
    expect(received.every((m) => m.topic === topic)).toBe(true);
  });

  it('keeps every message across a restart of a local broker', async () => {
    // A restart needs a broker of this test's own (a shared one, KAFKA_BROKERS or Testcontainers, cannot be
    // stopped): without java and mvn the test fails with the reason, in CI and elsewhere, rather than pass unrun.
    const unavailable = localKafkaUnavailableReason();
    if (unavailable) throw new Error(`the restart check needs a local Kafka broker of its own: ${unavailable}`);
    const dataDir = join(process.cwd(), '.test-cache', `kafka-restart-${process.pid}-${randomBytes(3).toString('hex')}`);
    const broker = await startLocalKafka({ dataDir });
    try {
      const topic = `${uniqueTopicPrefix('restart-check')}.events`;
      await createTopics(broker.brokers, [topic]);
      const messagesFor = (from: number) =>
        [from, from + 1, from + 2].map((n) => ({ key: `k${n % 2}`, value: `m${n}`, headers: { seq: String(n) } }));

      const producer = idempotentProducer(broker.brokers);
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: messagesFor(1) });
        await broker.restart();
        // The same producer carries on: it reconnects to the restarted broker by itself.
        await producer.send({ topic, acks: -1, messages: messagesFor(4) });
      } finally {
        await producer.disconnect();
      }

      const received = await consumeAll(broker.brokers, [topic], { until: (messages) => messages.length >= 6, timeoutMs: 20_000 });
      expect(received.map((m) => m.value).sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      expect(received.every((m) => m.headers.seq === m.value.slice(1))).toBe(true);
      for (const key of ['k0', 'k1']) {
        const values = received.filter((m) => m.key === key).map((m) => Number(m.value.slice(1)));
        expect(values).toEqual([...values].sort((a, b) => a - b));
      }
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
