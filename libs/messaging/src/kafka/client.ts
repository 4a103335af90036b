import { Logger } from '@nestjs/common';
import { Admin, ITopicConfig, Kafka, logLevel } from 'kafkajs';

/** kafkajs notices that say nothing about this deployment (the producers pass their partitioner and retry on their own terms). */
const QUIET = /switched default partitioner|Limiting retries for the idempotent producer/;

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

/** A kafkajs client whose own log lines go to the process's JSON log (warnings and errors only). */
export function createKafka(settings: KafkaSettings, name = 'kafkajs'): Kafka {
  const log = new Logger(name);
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: 8 },
    logCreator: () => ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      if (QUIET.test(message)) return;
      const line = { msg: `kafka: ${message}`, broker: rest.broker, error: rest.error };
      if (level <= logLevel.ERROR) log.error(line);
      else log.warn(line);
    },
  });
}

export interface TopicSpec {
  readonly topic: string;
  readonly retentionMs?: number;
}

/** Creates the topics that do not exist yet; existing topics are left exactly as an operator configured them. */
export async function ensureTopics(admin: Admin, topics: readonly TopicSpec[], partitions: number, replicationFactor: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = topics
    .filter((t) => !existing.has(t.topic))
    .map((t) => ({
      topic: t.topic,
      numPartitions: partitions,
      replicationFactor,
      configEntries: t.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(t.retentionMs) }],
    }));
  if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}
