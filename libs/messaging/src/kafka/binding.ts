import { IntegrationEvent } from '../contracts/cloud-event';

/** A Kafka record as kafkajs sends it. */
export interface KafkaRecord {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * `partitionkey` is not among them: the binding maps it to the Kafka key. The optional `dataschema`
 * attribute is not set: a type names its schema (GET /v1/integration/schemas/{type}), and the header
 * was the largest one, which the producer encodes and checksums on every record.
 */
const ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'position', 'city', 'correlationid', 'causationid'] as const;

/**
 * CloudEvents Kafka protocol binding, binary content mode: every attribute but `data`,
 * `datacontenttype` and `partitionkey` becomes a `ce_<name>` header, `datacontenttype` becomes
 * `content-type`, the value is the JSON of `data` and the key is the partition key (the aggregate id).
 */
export function toKafkaRecord(event: IntegrationEvent): KafkaRecord {
  const headers: Record<string, string> = { 'content-type': event.datacontenttype };
  for (const name of ATTRIBUTES) {
    const value = event[name];
    if (value !== undefined) headers[`ce_${name}`] = value;
  }
  return { key: event.partitionkey, value: JSON.stringify(event.data), headers };
}

/** Header values as strings (kafkajs hands them over as Buffers, arrays or undefined). */
export function headerStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    const one = Array.isArray(value) ? value[value.length - 1] : value;
    out[name.toLowerCase()] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}
