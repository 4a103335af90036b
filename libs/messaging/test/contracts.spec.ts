import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { validateMessage } from '@ipstd/platform';
import { RecordedEvent } from '@ipstd/event-store';
import {
  INBOUND_MESSAGE_TYPES,
  INBOUND_SCHEMAS,
  INTEGRATION_CONTRACTS,
  InboundKind,
  asyncApiDocument,
  contractForDomainType,
  contractsForDomainType,
  toIntegrationEvent,
  toKafkaRecord,
  topicsFor,
} from '@ipstd/messaging';
import { publishedContractFiles } from '../src/contracts/published-files';

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false }));

function recorded(type: string, data: unknown, overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    eventId: '0190f5c2-0000-7000-8000-000000000001',
    type,
    schemaVersion: 1,
    data,
    metadata: { actor: { userId: 'u', role: 'finance', organisation: '320500' }, correlationId: 'corr-1', causationId: null, effectiveAt: '2024-12-20T02:00:00.000Z', idempotencyKey: null },
    streamId: 'grant-7c0e5f0e-1f0b-5d1c-9a55-0c3a1b2c3d4e',
    revision: 3n,
    globalPosition: 1234n,
    recordedAt: '2024-12-20T02:00:00.123Z',
    previousHash: null,
    hash: 'h',
    ...overrides,
  };
}

describe('integration contracts', () => {
  it('give every integration type one schema that compiles, and map each domain type at most once per context', () => {
    expect(new Set(INTEGRATION_CONTRACTS.map((c) => c.type)).size).toBe(INTEGRATION_CONTRACTS.length);
    expect(new Set(INTEGRATION_CONTRACTS.map((c) => `${c.context}|${c.domainType}`)).size).toBe(INTEGRATION_CONTRACTS.length);
    // The credit system's contracts are copies of grant events that the grants topic publishes too.
    for (const copy of INTEGRATION_CONTRACTS.filter((c) => c.context === 'credit')) expect(contractForDomainType(copy.domainType)?.context).toBe('grants');
    for (const contract of INTEGRATION_CONTRACTS) {
      expect(contract.type).toMatch(/^cn\.ipstd\.(applications|grants|finance|credit|audit|notifications)\.[a-z-]+\.v1$/);
      expect(() => ajv.compile(contract.schema)).not.toThrow();
    }
  });

  it('never publish personal data, individual expert scores or internal bookkeeping', () => {
    for (const internal of ['ReviewScoresSubmitted', 'DefenseScoreSubmitted', 'ReviewPanelAssigned', 'ReviewPanelDrawn', 'ReserveExpertAssigned', 'ExpertConflictDeclared', 'ExpertRegistered', 'ExpertUpdated', 'ExpertDeactivated', 'ExpertsDrawn', 'ReserveCalledIn', 'FundsCommitted', 'EnterpriseFactRecorded', 'RuleSetPublished', 'StatementRowsRecorded', 'LogCheckpointSealed']) {
      expect(contractForDomainType(internal)).toBeUndefined();
    }
    const schemas = JSON.stringify(INTEGRATION_CONTRACTS.map((c) => c.schema));
    expect(schemas).not.toMatch(/"(contact|phone|expertId|comment)"/);
    // The one exception: a scoring reminder names the expert it is for, as its recipient, and nothing else about experts.
    const naming = INTEGRATION_CONTRACTS.filter((c) => JSON.stringify(c.schema).includes('"const":"expert"')).map((c) => c.type);
    expect(naming).toEqual(['cn.ipstd.notifications.deadline-reminder.v1']);
    const reminder = INTEGRATION_CONTRACTS.find((c) => c.type === 'cn.ipstd.notifications.deadline-reminder.v1')!;
    expect(Object.keys((reminder.schema as { properties: Record<string, unknown> }).properties)).not.toContain('scores');
  });

  it('map a domain event to a CloudEvent whose data satisfies its schema, and bind it to Kafka headers', () => {
    const event = recorded('TranchePaid', { grantId: '7c0e5f0e-1f0b-5d1c-9a55-0c3a1b2c3d4e', trancheNo: 1, amountFen: 20_000_000, reference: 'TRE-1', valueDate: '2024-12-20', confirmedAt: '2024-12-20T02:00:00.000Z' });
    const integration = toIntegrationEvent(event, '320500')!;
    expect(integration).toMatchObject({
      specversion: '1.0',
      id: event.eventId,
      source: '/ipstd/grants',
      type: 'cn.ipstd.grants.tranche-paid.v1',
      subject: '7c0e5f0e-1f0b-5d1c-9a55-0c3a1b2c3d4e',
      time: '2024-12-20T02:00:00.123Z',
      position: '1234',
      city: '320500',
      correlationid: 'corr-1',
    });
    expect(integration).not.toHaveProperty('causationid');
    expect(ajv.validate(INTEGRATION_CONTRACTS.find((c) => c.type === integration.type)!.schema, integration.data)).toBe(true);

    const record = toKafkaRecord(integration);
    expect(record.key).toBe(integration.subject);
    expect(JSON.parse(record.value)).toEqual(integration.data);
    expect(record.headers).toEqual({
      'content-type': 'application/json',
      ce_specversion: '1.0',
      ce_id: event.eventId,
      ce_source: '/ipstd/grants',
      ce_type: 'cn.ipstd.grants.tranche-paid.v1',
      ce_subject: integration.subject,
      ce_time: integration.time,
      ce_position: '1234',
      ce_city: '320500',
      ce_correlationid: 'corr-1',
    });
  });

  it('map every clawback ordered, repaid, overdue and written off to a credit-system event naming the enterprise by credit code', () => {
    const grantId = '7c0e5f0e-1f0b-5d1c-9a55-0c3a1b2c3d4e';
    const clawbackId = '0190a4b2-0000-7000-8000-0000000000c1';
    const origin = { city: '320500', enterprise: { creditCode: '91320505MA1MXXXXX0', name: '苏州某某光电科技有限公司' } };
    const cases: Array<[string, Record<string, unknown>, string, Record<string, unknown>]> = [
      ['ClawbackOrdered', { grantId, clawbackId, amountFen: 5_000_000, reason: '严重失信', dueDate: '2025-03-31', orderedAt: '2025-02-05T02:00:00.000Z' }, 'cn.ipstd.credit.clawback-ordered.v1', { amountFen: 5_000_000, reason: '严重失信', dueDate: '2025-03-31', orderedAt: '2025-02-05T02:00:00.000Z' }],
      ['ClawbackSettled', { grantId, clawbackId, repaidFen: 5_000_000, settledAt: '2025-03-01T02:00:00.000Z' }, 'cn.ipstd.credit.clawback-repaid.v1', { repaidFen: 5_000_000, repaidAt: '2025-03-01T02:00:00.000Z' }],
      ['ClawbackOverdue', { grantId, clawbackId, dueDate: '2025-03-31', outstandingFen: 1_000, markedAt: '2025-04-01T00:00:00.000Z' }, 'cn.ipstd.credit.clawback-overdue.v1', { dueDate: '2025-03-31', outstandingFen: 1_000, overdueAt: '2025-04-01T00:00:00.000Z' }],
      ['ClawbackWrittenOff', { grantId, clawbackId, amountFen: 1_000, reason: '企业已注销', writtenOffAt: '2025-05-01T00:00:00.000Z' }, 'cn.ipstd.credit.clawback-written-off.v1', { writtenOffFen: 1_000, reason: '企业已注销', writtenOffAt: '2025-05-01T00:00:00.000Z' }],
    ];
    for (const [domainType, data, type, expected] of cases) {
      const contract = contractsForDomainType(domainType).find((c) => c.context === 'credit')!;
      expect(contract.type).toBe(type);
      const integration = toIntegrationEvent(recorded(domainType, data), '320500', contract, origin)!;
      expect(integration).toMatchObject({ type, source: '/ipstd/credit', subject: grantId, city: '320500' });
      expect(integration.data).toEqual({ enterprise: origin.enterprise, grantId, clawbackId, ...expected });
      expect(ajv.validate(contract.schema, integration.data)).toBe(true);
      // The grants topic keeps its own shape for the same event.
      expect(toIntegrationEvent(recorded(domainType, data), '320500')!.type).toMatch(/^cn\.ipstd\.grants\./);
    }
    expect(contractsForDomainType('RepaymentRecorded').map((c) => c.context)).toEqual(['grants']);
  });

  it('return null for events without a contract', () => {
    expect(toIntegrationEvent(recorded('ReviewScoresSubmitted', {}), '320500')).toBeNull();
  });

  it('are written to docs/integration exactly as the code publishes them (npm run contracts)', () => {
    const root = join(__dirname, '..', '..', '..', 'docs', 'integration');
    for (const [path, text] of publishedContractFiles()) {
      expect({ path, text: readFileSync(join(root, path), 'utf8') }).toEqual({ path, text });
    }
  });

  it('describe every topic in the AsyncAPI document', () => {
    const doc = asyncApiDocument('ipstd') as { channels: Record<string, unknown> };
    const topics = topicsFor('ipstd');
    expect(Object.keys(doc.channels).sort()).toEqual([...Object.values(topics.outbound), ...Object.values(topics.inbound), topics.deadLetter].sort());
  });
});

describe('inbound message schemas agree with the validation the consumer applies', () => {
  const valid: Record<InboundKind, Record<string, unknown>> = {
    'credit-status': { creditCode: '91320505MA0000001X', present: true, source: 'credit-china', reference: 'CC-1', observedAt: '2024-11-05T10:00:00+08:00' },
    'patent-notices': { creditCode: '91320505MA0000001X', present: false, source: 'cnipa', reference: 'N-9', observedAt: '2024-11-05T10:00:00+08:00' },
    'treasury-payments': { grantId: '7c0e5f0e-1f0b-5d1c-9a55-0c3a1b2c3d4e', trancheNo: 1, city: '320500', reference: 'TRE-2024-1', valueDate: '2024-12-20', amountFen: 20_000_000 },
  };
  const invalid: Record<InboundKind, Array<Record<string, unknown>>> = {
    'credit-status': [{ ...valid['credit-status'], present: 'yes' }, { ...valid['credit-status'], extra: 1 }, { ...valid['credit-status'], observedAt: '2024-11-05' }],
    'patent-notices': [{ ...valid['patent-notices'], creditCode: 'abc' }, { ...valid['patent-notices'], source: 'CNIPA!' }],
    'treasury-payments': [{ ...valid['treasury-payments'], amountFen: 1.5 }, { ...valid['treasury-payments'], city: '320505' }, { ...valid['treasury-payments'], valueDate: '2024-13-01' }, { ...valid['treasury-payments'], grantId: 'x' }],
  };

  it.each(Object.keys(valid) as InboundKind[])('%s', async (kind) => {
    const schema = ajv.compile(INBOUND_SCHEMAS[kind].schema);
    expect(schema(valid[kind])).toBe(true);
    expect(await validateMessage<object>(INBOUND_MESSAGE_TYPES[kind], valid[kind])).toMatchObject({ ok: true });
    for (const bad of invalid[kind]) {
      expect({ bad, schema: schema(bad) }).toEqual({ bad, schema: false });
      expect({ bad, dto: (await validateMessage<object>(INBOUND_MESSAGE_TYPES[kind], bad)).ok }).toEqual({ bad, dto: false });
    }
  });
});
