import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

/**
 * The brokers resolved by the global setup (test/support/global-setup.ts). Kafka suites are never
 * skipped: without a broker they fail with this message.
 */
export function testKafkaBrokers(): string[] {
  const value = process.env.TEST_KAFKA_BROKERS?.trim();
  if (!value) throw new Error('no Kafka broker for the tests: set KAFKA_BROKERS, provide Docker, or install java and mvn');
  return value.split(',').map((b) => b.trim()).filter(Boolean);
}

/** A topic-name prefix unique to this call, e.g. `tm3x9k2a1b2c3.outbox`: only [a-z0-9._-]. */
export function uniqueTopicPrefix(name: string): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}.${name}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** UTF-8 text; a tombstone (null value) reads as ''. */
  value: string;
  /** UTF-8 text; of a header repeated in one message, the last value. */
  headers: Record<string, string>;
}

export interface ConsumeAllOptions {
  /** Consumption stops as soon as this returns true for the messages received so far. */
  until: (messages: ConsumedMessage[]) => boolean;
  /** 20 s by default. */
  timeoutMs?: number;
  /** true by default. */
  fromBeginning?: boolean;
}

/**
 * Reads the topics with a fresh consumer group until `until` is satisfied and returns the messages in
 * the order received (ordered per partition, not across partitions). Throws, with the count received,
 * on timeout. The consumer is always disconnected.
 */
export async function consumeAll(brokers: string[], topics: string[], options: ConsumeAllOptions): Promise<ConsumedMessage[]> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const messages: ConsumedMessage[] = [];
  if (options.until(messages)) return [];
  const consumer = client(brokers).consumer({
    groupId: `test-consume-all-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
    const outcome = await new Promise<ConsumedMessage[]>((resolveDone, rejectDone) => {
      let finished = false;
      const finish = (error?: Error): void => {
        if (finished) return;
        finished = true;
        if (error) rejectDone(error);
        else resolveDone([...messages]);
      };
      timer = setTimeout(
        () => finish(new Error(`consumeAll: timed out after ${timeoutMs} ms with ${messages.length} message(s) received from ${topics.join(', ')}`)),
        timeoutMs,
      );
      // kafkajs restarts the consumer after a retriable error (e.g. a coordinator still loading) by itself.
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) finish(new Error(`consumeAll: the consumer crashed: ${event.payload.error.message}`));
      });
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            if (finished) return;
            messages.push({
              topic,
              partition,
              offset: message.offset,
              key: message.key === null ? null : message.key.toString('utf8'),
              value: message.value === null ? '' : message.value.toString('utf8'),
              headers: headersToStrings(message.headers),
            });
            try {
              if (options.until(messages)) finish();
            } catch (error) {
              finish(error as Error);
            }
          },
        })
        .catch((error: Error) => finish(error));
    });
    return outcome;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Creates the topics (if missing) and waits for their partition leaders. */
export async function createTopics(brokers: string[], topics: string[], partitions = 3): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

function client(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'ipstd-tests', brokers, logLevel: logLevel.NOTHING });
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}
