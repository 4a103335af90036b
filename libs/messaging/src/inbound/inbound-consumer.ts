import { Logger } from '@nestjs/common';
import { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { Clock } from '@ipstd/kernel';
import { Metrics } from '@ipstd/platform';
import { headerStrings } from '../kafka/binding';
import { Topics, inboundKindOf } from '../kafka/topics';
import { InboundOutcome, InboundProcessor, InboundRecord, Rejection } from './inbound-processor';

/** Unexpected (non-infrastructure) failures of one message before it is dead-lettered. */
const MAX_UNEXPECTED_FAILURES = 3;
const MAX_ERRORS_HEADER_BYTES = 8 * 1024;
/**
 * Partitions processed at the same time. Order holds within a partition (so per key); commands on
 * different aggregates run side by side, and a race on one stream is retried by the processor.
 */
const PARTITIONS_IN_PARALLEL = 4;
/** Leaving the group can wait on a rebalance; shutdown does not wait longer than this for it. */
const STOP_TIMEOUT_MS = 5_000;

async function withTimeout(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms).unref()))]);
  clearTimeout(timer);
}

/**
 * Consumes the inbound topics as one consumer group. Each message is processed in partition order;
 * its offset is committed after it was applied, found to be a duplicate, or written to the dead-letter
 * topic, so a bad message never blocks the messages behind it. An infrastructure failure (the
 * database unreachable) is retried on the same message without committing, so nothing is lost.
 */
export class InboundConsumer {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private readonly failures = new Map<string, number>();
  private readonly log = new Logger('InboundConsumer');

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: Topics,
    private readonly groupId: string,
    private readonly processor: InboundProcessor,
    private readonly clock: Clock,
    private readonly metrics?: Metrics,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // A member that died without leaving holds its partitions until its session times out.
      sessionTimeout: 15_000,
      heartbeatInterval: 3_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 500, maxRetryTime: 10_000 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: Object.values(this.topics.inbound), fromBeginning: true });
    // run() resolves only once the group has been joined, which waits out a dead member's session:
    // let it join in the background rather than hold up the process (the relay does not depend on it).
    consumer.run({ autoCommit: true, partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL, eachMessage: (payload) => this.handle(payload) }).catch((error) => this.log.error({ msg: 'inbound consumer stopped', error: (error as Error).message }));
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    this.consumer = null;
    this.producer = null;
    await withTimeout(consumer?.disconnect(), STOP_TIMEOUT_MS);
    await withTimeout(producer?.disconnect(), STOP_TIMEOUT_MS);
  }

  private async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const kind = inboundKindOf(this.topics, topic);
    if (!kind) return;
    const record: InboundRecord = { topic, partition, offset: message.offset, value: message.value, headers: headerStrings(message.headers as Record<string, unknown>) };
    const slot = `${topic}:${partition}:${message.offset}`;
    let outcome: InboundOutcome;
    try {
      outcome = await this.processor.process(kind, record);
    } catch (error) {
      const failures = (this.failures.get(slot) ?? 0) + 1;
      if (isTransient(error) || failures < MAX_UNEXPECTED_FAILURES) {
        this.failures.set(slot, failures);
        this.log.error({ msg: 'inbound message failed; it will be retried', topic, partition, offset: message.offset, attempt: failures, error: (error as Error).message });
        throw error;
      }
      outcome = { outcome: 'rejected', messageId: record.headers['ce_id'] ?? null, rejection: { code: 'PROCESSING_FAILED', text: { zh: '多次处理失败', en: `Processing failed ${failures} times: ${(error as Error).message}` } } };
    }
    this.failures.delete(slot);
    if (outcome.outcome === 'rejected') await this.deadLetter(record, message.key, outcome.rejection);
    this.metrics?.inboundMessages.inc({ topic, outcome: outcome.outcome === 'rejected' ? 'dead-lettered' : outcome.outcome });
  }

  private async deadLetter(record: InboundRecord, key: Buffer | null, rejection: Rejection): Promise<void> {
    const errors = rejection.errors ? JSON.stringify(rejection.errors) : undefined;
    const headers: Record<string, string> = {
      ...record.headers,
      dlq_reason_code: rejection.code,
      dlq_reason_zh: rejection.text.zh,
      dlq_reason_en: rejection.text.en,
      dlq_original_topic: record.topic,
      dlq_original_partition: String(record.partition),
      dlq_original_offset: record.offset,
      dlq_failed_at: this.clock.now().toISOString(),
      ...(errors ? { dlq_errors: Buffer.byteLength(errors) > MAX_ERRORS_HEADER_BYTES ? `${errors.slice(0, MAX_ERRORS_HEADER_BYTES)}…` : errors } : {}),
    };
    await this.producer!.send({ topic: this.topics.deadLetter, acks: -1, messages: [{ key, value: record.value, headers }] });
    this.log.warn({ msg: 'inbound message dead-lettered', topic: record.topic, partition: record.partition, offset: record.offset, code: rejection.code });
  }
}

/** Failures that say nothing about the message: retry it rather than dead-letter it. */
export function isTransient(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(08|53|57P)/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i.test(message);
}
