import { INTEGRATION_CONTRACTS, IntegrationContext } from './catalog';
import { schemaUriOf } from './cloud-event';
import * as s from './json-schema';
import { InboundKind, topicsFor } from '../kafka/topics';

/** JSON Schemas of the inbound message bodies (the CloudEvent's `data`). */
const fact = (what: string) =>
  s.object(
    {
      creditCode: s.creditCode(),
      present: s.boolean(),
      source: s.string({ pattern: '^[a-z0-9][a-z0-9.-]{1,63}$', description: 'the reporting system, e.g. credit-china' }),
      reference: s.string({ minLength: 1, maxLength: 200, description: "the source's id of the record; the same source and reference twice records nothing" }),
      observedAt: s.string({ format: 'date-time', description: 'with an explicit offset' }),
    },
    what,
  );

export const INBOUND_SCHEMAS: Readonly<Record<InboundKind, { name: string; description: string; schema: s.JsonSchema }>> = {
  'credit-status': {
    name: 'credit-status',
    description: "Serious-dishonesty status (严重失信主体) from the credit platform. present=false lifts it. Same command as POST /v1/enterprises/{creditCode}/facts with fact=serious-dishonesty.",
    schema: fact('A serious-dishonesty record was listed (present=true) or lifted (present=false).'),
  },
  'patent-notices': {
    name: 'patent-notice',
    description: 'Abnormal-patent-application notice (非正常专利申请) from the patent office. Same command as POST /v1/enterprises/{creditCode}/facts with fact=abnormal-patent-application.',
    schema: fact('A notice was issued (present=true) or withdrawn (present=false).'),
  },
  'treasury-payments': {
    name: 'treasury-payment',
    description: "The treasury's confirmation that an ordered tranche was paid. Same command as POST /v1/grants/{grantId}/tranches/{n}/payment.",
    schema: s.object({
      grantId: s.uuid(),
      trancheNo: s.integer({ minimum: 1, maximum: 20 }),
      city: s.string({ pattern: '^[1-9][0-9]{3}00$', description: "the paying treasury's city (GB/T 2260)" }),
      reference: s.string({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$' }),
      valueDate: s.date(),
      amountFen: s.integer({ minimum: 1 }),
    }),
  },
};

const CE_HEADERS = s.object({
  ce_specversion: s.string({ const: '1.0' }),
  ce_id: s.string({ description: 'the domain event id (UUIDv7); deduplicate by it' }),
  ce_source: s.string(),
  ce_type: s.string(),
  ce_subject: s.string({ description: 'aggregate id' }),
  ce_time: s.instant(),
  ce_position: s.string({ pattern: '^[0-9]+$', description: 'global log position; the cursor of GET /v1/events?after=' }),
  ce_city: s.optional(s.string()),
  ce_correlationid: s.string(),
  ce_causationid: s.optional(s.string()),
  'content-type': s.string({ const: 'application/json' }),
});

const INBOUND_HEADERS = s.object({
  ce_specversion: s.string({ const: '1.0' }),
  ce_id: s.string({ description: 'unique per message; a redelivered id is applied once' }),
  ce_source: s.string({ description: 'the producing system, e.g. /credit-china' }),
  ce_type: s.optional(s.string()),
  'content-type': s.optional(s.string()),
});

const DEAD_LETTER_HEADERS = s.object({
  dlq_reason_code: s.string({ description: 'stable error code, e.g. VALIDATION_FAILED, TRANCHE_NOT_ORDERED' }),
  dlq_reason_zh: s.string(),
  dlq_reason_en: s.string(),
  dlq_errors: s.optional(s.string({ description: 'JSON array of field errors { field, code, zh, en }' })),
  dlq_original_topic: s.string(),
  dlq_original_partition: s.string(),
  dlq_original_offset: s.string(),
  dlq_failed_at: s.instant(),
});

/**
 * The AsyncAPI (2.6) document of every topic the gateway uses, built from the same catalogue the relay
 * publishes with; docs/integration/asyncapi.json is this document for the default prefix (a test keeps
 * it in step) and the gateway serves it at GET /v1/integration/asyncapi.json.
 */
export function asyncApiDocument(prefix = 'ipstd'): Record<string, unknown> {
  const topics = topicsFor(prefix);
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  for (const context of Object.keys(topics.outbound) as IntegrationContext[]) {
    const refs = INTEGRATION_CONTRACTS.filter((c) => c.context === context).map((c) => {
      messages[c.type] = {
        name: c.type,
        title: c.domainType,
        summary: c.description,
        contentType: 'application/json',
        headers: CE_HEADERS,
        payload: { $id: schemaUriOf(c.type), ...c.schema },
        bindings: { kafka: { key: { type: 'string', description: 'aggregate id (ce_subject)' } } },
      };
      return { $ref: `#/components/messages/${c.type}` };
    });
    channels[topics.outbound[context]] = {
      description: `Integration events of the ${context} context, keyed by aggregate id; order holds per key.`,
      subscribe: { operationId: `consume-${context}`, message: { oneOf: refs } },
    };
  }
  for (const [kind, inbound] of Object.entries(INBOUND_SCHEMAS) as Array<[InboundKind, (typeof INBOUND_SCHEMAS)[InboundKind]]>) {
    messages[`inbound.${inbound.name}`] = { name: inbound.name, summary: inbound.description, contentType: 'application/json', headers: INBOUND_HEADERS, payload: inbound.schema };
    channels[topics.inbound[kind]] = {
      description: `${inbound.description} Binary (ce_* headers) or structured (application/cloudevents+json) CloudEvents.`,
      publish: { operationId: `produce-${kind}`, message: { $ref: `#/components/messages/inbound.${inbound.name}` } },
    };
  }
  messages['dead-letter'] = { name: 'dead-letter', summary: 'An inbound message that could not be processed: the original key, value and headers, plus the reason.', headers: DEAD_LETTER_HEADERS, payload: {} };
  channels[topics.deadLetter] = { description: 'Inbound messages that were refused, with the reason in headers.', subscribe: { operationId: 'consume-dead-letters', message: { $ref: '#/components/messages/dead-letter' } } };
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'IP-and-standards funding programmes: integration events',
      version: '1.0.0',
      description: 'CloudEvents 1.0 over Kafka (binary content mode). See docs/integration.md for retention, ordering, deduplication and re-reading from a position.',
    },
    defaultContentType: 'application/json',
    servers: { kafka: { url: '{brokers}', protocol: 'kafka', variables: { brokers: { default: 'localhost:9092', description: 'KAFKA_BROKERS' } } } },
    channels,
    components: { messages },
  };
}
