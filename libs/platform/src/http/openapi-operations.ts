/**
 * Response schemas of the operations whose bodies are neither a list nor one of the aggregate views:
 * health, statements and reconciliations, audit streams, histories and proofs, dashboards, public
 * notices, the events feed and the integration routes. Each mirrors what its controller returns
 * (test/e2e/openapi.e2e-spec.ts validates real responses of several against them with ajv).
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const uuid: Schema = { type: 'string', format: 'uuid' };
const instant: Schema = { type: 'string', format: 'date-time' };
const day: Schema = { type: 'string', format: 'date' };
const fen: Schema = { type: 'integer', description: 'integer fen (分)' };
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const array = (items: Schema): Schema => ({ type: 'array', items });
/** An object whose properties are all present unless named in `optional`. */
const obj = (properties: Record<string, Schema>, optional: readonly string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
  ...extra,
});
/** A JSON object keyed by names not fixed in advance (a status, a district, …). */
const map = (values: Schema, description: string): Schema => ({ type: 'object', additionalProperties: values, description });
const bilingual = obj({ zh: str, en: str });
const hashHex: Schema = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256, hex' };

const ROW_CATEGORIES = ['matched', 'amount-mismatch', 'payee-mismatch', 'duplicate-payment', 'payment-without-release-order', 'unmatched-payment', 'unmatched-repayment'];
const CATEGORIES = [...ROW_CATEGORIES, 'ordered-but-unpaid'];

const counted = obj({ count: int, totalFen: fen });
const actor = obj({ userId: str, role: str, organisation: nullable(str) });

export const OPERATION_SCHEMAS: Record<string, Schema> = {
  Health: obj({ status: { type: 'string', enum: ['ok'] } }),
  Readiness: obj(
    {
      status: { type: 'string', enum: ['ok', 'unavailable'], description: 'ok with 200; unavailable with 503' },
      checks: obj(
        {
          eventStore: obj({ status: { type: 'string', enum: ['ok', 'down'] }, error: str }, ['error']),
          projections: obj(
            {
              status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
              head: { type: 'string', description: 'global position of the head of the log (decimal string)' },
              lag: map(int, 'events each projection is behind, by projection'),
              failing: array(obj({ name: str, error: nullable(str) })),
              error: str,
            },
            ['head', 'lag', 'failing', 'error'],
          ),
        },
        ['projections'],
      ),
    },
  ),
  StatementImport: obj({
    statementId: uuid,
    city: str,
    fileSha256: hashHex,
    contentSha256: nullable(hashHex),
    fileBytes: int,
    rowCount: int,
    chunkCount: int,
    debit: counted,
    credit: counted,
    period: obj({ from: day, to: day }),
    importedAt: instant,
  }),
  ReconciliationRow: obj(
    {
      line: int,
      reference: str,
      payeeCreditCode: str,
      payeeName: nullable(str),
      amountFen: fen,
      valueDate: day,
      direction: { type: 'string', enum: ['debit', 'credit'] },
      ledger: nullable(obj({ amountFen: fen, grantId: nullable(uuid), trancheNo: nullable(int), clawbackId: nullable(uuid) })),
      differenceFen: { ...fen, description: 'statement − ledger (amount-mismatch, payee-mismatch)' },
      expectedPayee: { ...obj({ creditCode: nullable(str), name: nullable(str) }), description: 'payee-mismatch only' },
      payeeMismatch: { ...array({ type: 'string', enum: ['creditCode', 'name'] }), description: 'payee-mismatch only' },
      duplicateOf: { ...obj({ statementId: nullable(uuid), line: nullable(int) }), description: 'duplicate-payment only; statementId null when the first is earlier in this statement' },
    },
    ['differenceFen', 'expectedPayee', 'payeeMismatch', 'duplicateOf'],
  ),
  OrderedButUnpaid: obj({
    grantId: uuid,
    trancheNo: int,
    orderNo: str,
    orderedOn: day,
    orderedFen: fen,
    payeeCreditCode: str,
    ledgerPayment: nullable(obj({ reference: str, amountFen: fen })),
  }),
  Reconciliation: obj({
    statementId: uuid,
    city: str,
    fileSha256: hashHex,
    fileName: nullable(str),
    rowCount: int,
    debit: counted,
    credit: counted,
    period: obj({ from: day, to: day }),
    importedAt: instant,
    importedBy: str,
    summary: obj(Object.fromEntries(CATEGORIES.map((c) => [c, counted]))),
    categories: obj(
      Object.fromEntries(
        CATEGORIES.map((c) => [c, obj({ items: array(ref(c === 'ordered-but-unpaid' ? 'OrderedButUnpaid' : 'ReconciliationRow')), next: { ...nullable(str), description: 'pass as after (with category) for the next page' } })]),
      ),
      CATEGORIES,
      { description: 'every category, or only ?category=' },
    ),
  }),
  EventEnvelope: obj({
    eventId: uuid,
    type: str,
    schemaVersion: int,
    streamId: str,
    revision: int,
    globalPosition: int,
    recordedAt: instant,
    effectiveAt: instant,
    actor,
    correlationId: str,
    causationId: nullable(str),
    idempotencyKey: nullable(str),
    city: { ...nullable(str), description: "metadata.city as stored: the stream's GB/T 2260 city, null for none; absent on events stored before it was stamped (docs/events.md, Metadata)" },
    previousHash: nullable(str),
    hash: str,
    data: { type: 'object', additionalProperties: true, description: 'the event (docs/events.md)' },
  }, ['city']),
  AuditStream: obj({ streamId: str, events: array(ref('EventEnvelope')), nextFromRevision: { ...nullable(int), description: 'pass as fromRevision for the next page; null on the last page' } }),
  HistoryEntry: obj({
    revision: int,
    globalPosition: int,
    eventId: uuid,
    type: str,
    recordedAt: instant,
    effectiveAt: instant,
    who: actor,
    what: bilingual,
    details: { type: 'object', additionalProperties: true },
    correlationId: str,
    causationId: nullable(str),
  }),
  ProgrammeDashboard: obj({
    programmeId: uuid,
    code: str,
    funnel: obj({
      byStatus: map(int, 'applications by status'),
      byDistrict: map(map(int, 'by status'), 'applications by district, then status'),
      byEligibility: map(int, 'applications by eligibility outcome (not-assessed when none)'),
    }),
    budget: obj({ budgetFen: fen, committedFen: fen, remainingFen: fen }),
    moneyByGrantStatus: map(obj({ grants: int, awardFen: fen, orderedFen: fen, paidFen: fen, clawbackOrderedFen: fen, repaidFen: fen, writtenOffFen: fen }), 'by grant status'),
  }),
  CityTargets: obj({
    city: str,
    ruleSets: array(
      obj({
        ruleSet: obj({ id: str, version: int }),
        targets: array(
          obj({
            id: str,
            citation: str,
            description: bilingual,
            target: { type: 'number' },
            unit: str,
            comparison: str,
            dueBy: str,
            actual: nullable({ type: 'number' }),
            progressPercent: nullable({ type: 'number' }),
            tracked: bool,
            note: bilingual,
          }),
        ),
      }),
    ),
  }),
  BrokenLink: obj({
    kind: { type: 'string', enum: ['hash-mismatch', 'chain-broken', 'revision-gap', 'reordered', 'checkpoint-mismatch', 'checkpoint-chain-broken', 'checkpoint-invalid', 'export-incomplete'] },
    streamId: nullable(str),
    revision: nullable(int),
    globalPosition: nullable(int),
    eventId: nullable(str),
    detail: str,
  }),
  IntegrityReport: obj({
    ok: bool,
    scope: { type: 'string', enum: ['full', 'filtered'] },
    eventsChecked: int,
    streamsChecked: int,
    checkpointsChecked: int,
    checkpointsSeen: int,
    sealedUpTo: int,
    unsealedEvents: int,
    firstBrokenLink: { nullable: true, allOf: [ref('BrokenLink')] },
    problems: array(ref('BrokenLink')),
    problemsTruncated: bool,
    checkedAt: instant,
    checkedUpTo: int,
    lastCheckpoint: nullable(obj({ sequence: int, toPosition: int, digest: str })),
  }),
  Cosignature: obj({ witness: str, treeSize: int, timestamp: { ...int, description: 'Unix seconds of the cosignature' }, note: { type: 'string', description: 'the checkpoint note now carrying the cosignature line' } }),
  VerifierKeys: obj({
    origin: str,
    keys: array(obj({ verifierKey: str, algorithm: { type: 'string', enum: ['ed25519', 'sm2-sm3'] }, status: { type: 'string', enum: ['current', 'retired'] } })),
    witnesses: array(obj({ verifierKey: str, algorithm: { type: 'string', enum: ['ed25519-cosignature/v1'] } })),
  }),
  InclusionProof: obj({ leafIndex: int, treeSize: int, proof: array(hashHex) }),
  ConsistencyProof: obj({ from: int, to: int, proof: array(hashHex) }),
  EvidenceBundle: obj({
    format: { type: 'string', enum: ['ipstd-audit-evidence'] },
    version: int,
    event: obj({
      globalPosition: int,
      streamId: str,
      revision: int,
      eventId: uuid,
      type: str,
      schemaVersion: int,
      recordedAt: instant,
      data: { type: 'object', additionalProperties: true },
      metadata: obj({ actor, correlationId: str, causationId: nullable(str), effectiveAt: instant, idempotencyKey: nullable(str), city: nullable(str) }, ['city']),
      previousHash: nullable(str),
      hash: str,
    }),
    leafIndex: int,
    treeSize: int,
    inclusionProof: array(hashHex),
    checkpoint: { type: 'string', description: 'C2SP signed tlog checkpoint of the tree of treeSize' },
  }),
  IntegrationEvent: obj(
    {
      specversion: { type: 'string', enum: ['1.0'] },
      id: uuid,
      source: str,
      type: str,
      subject: str,
      time: instant,
      datacontenttype: { type: 'string', enum: ['application/json'] },
      position: { type: 'string', description: 'global position in the log (decimal string)' },
      partitionkey: str,
      city: str,
      correlationid: str,
      causationid: str,
      data: { type: 'object', additionalProperties: true, description: 'validated by /v1/integration/schemas/{type}' },
    },
    ['city', 'causationid'],
    { description: 'CloudEvents 1.0, structured JSON (docs/integration.md)' },
  ),
  EventFeed: obj({
    events: array(ref('IntegrationEvent')),
    next: { type: 'string', description: 'pass as after for the next page (the last position looked at)' },
    head: { type: 'string', description: 'global position of the head of the log' },
    more: { type: 'boolean', description: 'false once the page reached the head' },
  }),
  IntegrationStatus: obj({
    enabled: bool,
    brokers: array(str),
    topics: obj({
      outbound: obj(Object.fromEntries(['applications', 'grants', 'finance', 'credit', 'audit', 'notifications'].map((k) => [k, str]))),
      inbound: obj(Object.fromEntries(['credit-status', 'patent-notices', 'treasury-payments'].map((k) => [k, str]))),
      deadLetter: str,
    }),
    relay: nullable(obj({ leading: bool, checkpoint: str, head: str, lag: str, lastError: nullable(str) })),
  }),
  IntegrationTypes: obj({ items: array(obj({ type: str, context: str, domainType: str, description: str, schema: { type: 'string', description: 'path of its JSON Schema' } })) }),
  IntegrationSchema: {
    type: 'object',
    required: ['$schema', '$id', 'title'],
    properties: { $schema: str, $id: str, title: str, description: str },
    additionalProperties: true,
    description: 'a JSON Schema (draft 2020-12) of the event type\'s data',
  },
  AsyncApi: { type: 'object', required: ['asyncapi', 'info', 'channels'], properties: { asyncapi: str, info: { type: 'object', additionalProperties: true }, channels: { type: 'object', additionalProperties: true } }, additionalProperties: true, description: 'AsyncAPI 2.6' },
  NoticeObjection: obj({
    objectionId: uuid,
    applicationId: uuid,
    grounds: str,
    channel: { type: 'string', enum: ['online', 'written'] },
    filedAt: instant,
    objector: { ...nullable(obj({ name: str, contact: str })), description: "null unless the bureau or an auditor of the call's city asks" },
    filedBy: nullable(obj({ sub: str, role: str })),
    resolution: nullable(obj({ outcome: { type: 'string', enum: ['upheld', 'dismissed'] }, reason: str, resolvedAt: instant, resolvedBy: nullable(obj({ sub: str, role: str })) })),
  }),
  Notice: obj({
    noticeId: uuid,
    publishedAt: instant,
    workingDays: int,
    endsOn: day,
    endsAt: instant,
    closedAt: nullable(instant),
    entries: array(
      obj({ applicationId: uuid, enterpriseName: str, projectTitle: str, approvedAmountFen: fen, clearance: { type: 'string', enum: ['no-notice', 'awaiting-notice', 'pending', 'upheld', 'cleared'] } }),
    ),
    objections: array(ref('NoticeObjection')),
  }),
  WorkingDayYear: obj({ year: int, notice: str, off: array(day), work: array(day), version: int, publishedAt: instant }),
  Assessment: obj({
    ruleSet: obj({ id: str, version: int }),
    referenceDate: day,
    outcome: { type: 'string', enum: ['eligible', 'ineligible', 'needs-review'] },
    clauses: array(obj({ id: str, outcome: { type: 'string', enum: ['pass', 'fail', 'finding', 'not-applicable'] }, citation: str, inputs: { type: 'object', additionalProperties: true }, explanation: bilingual })),
    priority: array(obj({ id: str, items: array(str), citation: str, explanation: bilingual })),
  }),
};

const json = (schema: Schema) => ({ media: 'application/json', schema });
const withHistory = (idName: string) => obj({ [idName]: uuid, entries: array(ref('HistoryEntry')), nextCursor: { ...nullable(str), description: 'pass as cursor for the next page; null on the last page' } });

/** The success bodies of those operations, by `method path`. */
export const OPERATION_SUCCESS: Record<string, { media: string; schema: Schema }> = {
  'get /health/live': json(ref('Health')),
  'get /health/ready': json(ref('Readiness')),
  'post /v1/programmes/{programmeId}/notices': json(ref('Notice')),
  'get /v1/programmes/{programmeId}/notices': json(obj({ programmeId: uuid, notices: array(ref('Notice')) })),
  'post /v1/programmes/{programmeId}/objections': json({ allOf: [ref('NoticeObjection'), obj({ noticeId: uuid, noticeEndsAt: instant })] }),
  'post /v1/programmes/{programmeId}/objections/{objectionId}/decision': json({ allOf: [ref('NoticeObjection'), obj({ noticeId: uuid, noticeEndsAt: instant })] }),
  'post /v1/rules/evaluations': json(ref('Assessment')),
  'get /v1/calendar/working-day-years': json(obj({ items: array(ref('WorkingDayYear')) })),
  'post /v1/calendar/working-day-years': json(ref('WorkingDayYear')),
  'post /v1/finance/statements': json(ref('StatementImport')),
  'get /v1/finance/reconciliations/{statementId}': json(ref('Reconciliation')),
  'get /v1/audit/streams/{streamId}': json(ref('AuditStream')),
  'get /v1/audit/applications/{applicationId}/history': json(withHistory('applicationId')),
  'get /v1/audit/grants/{grantId}/history': json(withHistory('grantId')),
  'get /v1/dashboards/programmes/{programmeId}': json(ref('ProgrammeDashboard')),
  'get /v1/dashboards/cities/{city}/targets': json(ref('CityTargets')),
  'get /v1/audit/integrity': json(ref('IntegrityReport')),
  'post /v1/audit/checkpoint/cosignatures': json(ref('Cosignature')),
  'get /v1/audit/keys': json(ref('VerifierKeys')),
  'get /v1/audit/proofs/inclusion': json(ref('InclusionProof')),
  'get /v1/audit/proofs/consistency': json(ref('ConsistencyProof')),
  'get /v1/audit/evidence/{eventId}': json(ref('EvidenceBundle')),
  'get /v1/events': json(ref('EventFeed')),
  'get /v1/integration/asyncapi.json': json(ref('AsyncApi')),
  'get /v1/integration/schemas': json(ref('IntegrationTypes')),
  'get /v1/integration/schemas/{type}': json(ref('IntegrationSchema')),
  'get /v1/integration/status': json(ref('IntegrationStatus')),
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/** Responses besides the first success and the common errors that some of those operations answer. */
export const OPERATION_EXTRA_RESPONSES: Record<string, Record<string, { description: string; content: Record<string, { schema: Schema }>; headers?: Record<string, unknown> }>> = {
  'get /health/ready': { '503': { description: 'Not ready: the event store is down, or a projection is failing or too far behind', content: { 'application/json': { schema: ref('Readiness') } } } },
  'post /v1/finance/statements': {
    '200': { description: 'The same content was imported before (a retry or a concurrent upload): the first import, unchanged', content: { 'application/json': { schema: ref('StatementImport') } }, headers: { Location: { description: 'the reconciliation of the statement', schema: { type: 'string' } } } },
    '413': problem('The statement exceeds the size limit (STATEMENT_TOO_LARGE)'),
    '415': problem('Not text/csv in UTF-8 (UNSUPPORTED_MEDIA_TYPE)'),
  },
  'get /v1/finance/reconciliations/{statementId}': { '503': problem('Imported, but the read models have not caught up yet (RECONCILIATION_NOT_READY), with Retry-After') },
};
