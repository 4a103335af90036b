import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { OPERATION_EXTRA_RESPONSES, OPERATION_SCHEMAS, OPERATION_SUCCESS } from './openapi-operations';

/** The title the checked-in document (docs/openapi.json) is generated with. */
export const OPENAPI_TITLE = 'IP-standards funding';

type Schema = Record<string, unknown>;
type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }>; headers?: Record<string, unknown> }>; security?: unknown[] };

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** problem+json (RFC 9457) as every error of this API answers it: a stable code, Chinese and English detail. */
const PROBLEM: Schema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail', 'detailZh', 'detailEn'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string', description: 'the code again' },
    status: { type: 'integer' },
    code: { type: 'string', example: 'VALIDATION_FAILED', description: 'stable error code (docs/api-guide.md, "Error codes")' },
    detail: { type: 'string', description: 'Chinese / English' },
    detailZh: { type: 'string' },
    detailEn: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      description: 'per field, for VALIDATION_FAILED and QUERY_INVALID',
      items: { type: 'object', properties: { field: { type: 'string' }, code: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' } } },
    },
  },
  additionalProperties: true,
};

/**
 * The fallback of an operation no schema is known for. No operation uses it (test/e2e/openapi.e2e-spec.ts
 * fails when one does), and it is only added to the components when one does.
 */
const RESOURCE: Schema = { type: 'object', additionalProperties: true, description: 'The resource; its fields are described per route in docs/api-guide.md' };

const page = (item: string): Schema => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: ref(item) }, nextCursor: { type: 'string', nullable: true, description: 'pass as cursor for the next page; null on the last page' } },
});

const money = { type: 'integer', description: 'integer fen (分)' };
const date = { type: 'string', format: 'date-time' };

/** Item shapes of the lists (docs/api-guide.md, "Lists"). */
const SCHEMAS: Record<string, Schema> = {
  Problem: PROBLEM,
  ProgrammeSummary: {
    type: 'object',
    properties: {
      programmeId: { type: 'string', format: 'uuid' },
      code: { type: 'string' },
      title: { type: 'string' },
      city: { type: 'string' },
      ruleSet: { type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' } } },
      window: { type: 'object', properties: { opensAt: date, closesAt: date } },
      endorsementDeadline: date,
      phase: { type: 'string', enum: ['not-yet-open', 'accepting', 'closed'] },
      budgetFen: money,
      openedAt: date,
    },
  },
  GrantSummary: {
    type: 'object',
    properties: {
      grantId: { type: 'string', format: 'uuid' },
      applicationId: { type: 'string', format: 'uuid' },
      programmeId: { type: 'string', format: 'uuid' },
      creditCode: { type: 'string' },
      enterpriseName: { type: 'string' },
      district: { type: 'string' },
      status: { type: 'string' },
      awardFen: money,
      orderedFen: money,
      paidFen: money,
      repaidFen: money,
      netPaidFen: money,
      outstandingFen: money,
      openClawbacks: { type: 'integer' },
      awardedAt: date,
      updatedAt: date,
      revision: { type: 'integer' },
    },
  },
  ExpertAssignment: {
    type: 'object',
    properties: {
      applicationId: { type: 'string', format: 'uuid' },
      programmeId: { type: 'string', format: 'uuid' },
      projectTitle: { type: 'string' },
      status: { type: 'string' },
      assignedAt: date,
      review: { type: 'object', properties: { scoresSubmitted: { type: 'boolean' }, closed: { type: 'boolean' }, scoresPath: { type: 'string' } } },
      defense: { type: 'object', nullable: true, properties: { roundId: { type: 'string' }, scoreSubmitted: { type: 'boolean' }, scorePath: { type: 'string' } } },
    },
  },
  GrantMoney: {
    type: 'object',
    description: 'integer fen; the ledger vocabulary (docs/api-guide.md, "Money fields")',
    properties: {
      awardFen: money,
      orderedFen: money,
      paidFen: money,
      clawbackOrderedFen: money,
      repaidFen: money,
      writtenOffFen: money,
      unorderedFen: money,
      unpaidOrderedFen: money,
      netPaidFen: { ...money, description: 'paid − repaid' },
      outstandingFen: { ...money, description: 'what open and overdue clawbacks still ask back' },
      netDisbursedFen: { ...money, deprecated: true, description: 'deprecated alias of netPaidFen' },
      clawbackOutstandingFen: { ...money, deprecated: true, description: 'deprecated alias of outstandingFen' },
      tranches: { type: 'array', items: { type: 'object', additionalProperties: true } },
      clawbacks: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
  },
  GrantView: {
    type: 'object',
    additionalProperties: true,
    properties: {
      grantId: { type: 'string', format: 'uuid' },
      applicationId: { type: 'string', format: 'uuid' },
      programmeId: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['awarded', 'in-implementation', 'acceptance-requested', 'accepted', 'failed', 'closed'] },
      enterprise: { type: 'object', additionalProperties: true },
      awardedAt: date,
      agreementSignedAt: { ...date, nullable: true },
      implementation: { type: 'object', properties: { months: { type: 'integer' }, startsAt: date, endsAt: date } },
      acceptanceLeadMonths: { type: 'integer' },
      lastAcceptanceRequestAt: { ...date, description: 'the last instant the enterprise may request acceptance' },
      targets: { type: 'array', items: { type: 'object', additionalProperties: true } },
      tranches: { type: 'array', items: { type: 'object', additionalProperties: true } },
      clawbacks: { type: 'array', items: ref('Clawback') },
      money: ref('GrantMoney'),
      inspections: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            inspectionId: { type: 'string' },
            outcome: { type: 'string' },
            inspectedAt: date,
            results: { type: 'array', items: { type: 'object', properties: { targetId: { type: 'string' }, status: { type: 'string', enum: ['on-track', 'at-risk', 'failing'] }, findings: { type: 'string' } } } },
          },
        },
      },
      acceptanceRequestedAt: { ...date, nullable: true },
      acceptance: { type: 'object', nullable: true, additionalProperties: true },
      closedAt: { ...date, nullable: true },
      suspension: { type: 'object', nullable: true, additionalProperties: true },
      revision: { type: 'integer' },
    },
  },
  Clawback: {
    type: 'object',
    additionalProperties: true,
    properties: {
      clawbackId: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['open', 'overdue', 'repaid', 'written-off'] },
      amountFen: money,
      repaidFen: money,
      writtenOffFen: money,
      outstandingFen: money,
      reason: { type: 'string' },
      dueDate: { type: 'string', format: 'date' },
      orderedAt: date,
      repaymentIds: { type: 'array', items: { type: 'string' } },
    },
  },
  ApplicationView: {
    type: 'object',
    additionalProperties: true,
    properties: {
      applicationId: { type: 'string', format: 'uuid' },
      grantId: { type: 'string', format: 'uuid', nullable: true, description: 'the grant once awarded (GET only; null otherwise)' },
      programmeId: { type: 'string', format: 'uuid' },
      status: { type: 'string' },
      submittedAt: date,
      amendments: { type: 'integer' },
      withdrawnAt: { ...date, nullable: true },
      eligibility: { type: 'object', nullable: true, additionalProperties: true },
      endorsement: { type: 'object', nullable: true, additionalProperties: true },
      review: { type: 'object', nullable: true, additionalProperties: true },
      defense: { type: 'object', nullable: true, additionalProperties: true },
      selection: { type: 'object', nullable: true, additionalProperties: true },
      profile: { type: 'object', additionalProperties: true },
      revision: { type: 'integer' },
    },
  },
  ProgrammeView: {
    type: 'object',
    additionalProperties: true,
    properties: {
      programmeId: { type: 'string', format: 'uuid' },
      code: { type: 'string' },
      title: { type: 'string' },
      city: { type: 'string' },
      ruleSet: { type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' } } },
      window: { type: 'object', properties: { opensAt: date, closesAt: date } },
      phase: { type: 'string', enum: ['not-yet-open', 'accepting', 'closed'] },
      budgetFen: money,
      committedFen: money,
      remainingFen: money,
      openedAt: date,
      revision: { type: 'integer' },
    },
  },
  RuleSetVersion: {
    type: 'object',
    additionalProperties: true,
    properties: {
      id: { type: 'string' },
      version: { type: 'integer' },
      title: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
      city: { type: 'string' },
      source: { type: 'string' },
      effective: { type: 'object', properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date', nullable: true } } },
      clauses: { type: 'array', items: { type: 'object', additionalProperties: true } },
      derivedFrom: { type: 'object', description: 'derived versions only' },
      publishedAt: { ...date, nullable: true },
    },
  },
  LedgerFigures: {
    type: 'object',
    description: 'integer fen',
    properties: Object.fromEntries(['awardedFen', 'orderedFen', 'paidFen', 'clawbackOrderedFen', 'repaidFen', 'writtenOffFen', 'unpaidOrderedFen', 'netPaidFen', 'outstandingFen'].map((k) => [k, money])),
    additionalProperties: true,
  },
  Ledger: {
    type: 'object',
    properties: {
      city: { type: 'string' },
      programmeId: { type: 'string', format: 'uuid' },
      period: { type: 'string', enum: ['month'] },
      from: { type: 'string', nullable: true },
      to: { type: 'string', nullable: true },
      currency: { type: 'string', enum: ['CNY'] },
      totals: ref('LedgerFigures'),
      months: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { month: { type: 'string' } } } },
      grants: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { grantId: { type: 'string', format: 'uuid' }, creditCode: { type: 'string' } } } },
    },
  },
  Expert: {
    type: 'object',
    properties: {
      expertId: { type: 'string' },
      name: { type: 'string' },
      organisation: { type: 'string' },
      fields: { type: 'array', items: { type: 'string' } },
      employer: { type: 'string', nullable: true },
      shareholdings: { type: 'array', items: { type: 'string' } },
      coApplications: { type: 'array', items: { type: 'string' } },
      active: { type: 'boolean' },
    },
    additionalProperties: true,
  },
  RuleSetSummary: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      version: { type: 'integer' },
      title: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
      source: { type: 'string' },
      effective: { type: 'object', properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date', nullable: true } } },
      clauses: { type: 'array', items: { type: 'string' } },
      publishedAt: { ...date, nullable: true },
    },
  },
  ApplicationSummary: { type: 'object', additionalProperties: true, description: 'applicationId, status, district, creditCode, enterpriseName, projectTitle, requestedAmountFen, submittedAt, updatedAt, amendments, eligibility, ruleSet, revision' },
  ...OPERATION_SCHEMAS,
};

/**
 * The body schema of a success response by route: the views by path prefix (every command on an
 * application answers the application, every command on a grant the grant), the lists and non-JSON
 * bodies by `METHOD path`.
 */
function successSchema(method: string, path: string): { media: string; schema: Schema } | undefined {
  const exact = SUCCESS[`${method} ${path}`];
  if (exact) return exact;
  const json = (name: string, extra?: Schema) => ({ media: 'application/json', schema: extra ? { allOf: [ref(name), extra] } : ref(name) });
  if (path === '/v1/grants/{grantId}/clawbacks/{clawbackId}' && method === 'get') return json('Clawback', { properties: { grantId: { type: 'string', format: 'uuid' } } });
  if (path === '/v1/grants/{grantId}/clawbacks' && method === 'post') return json('GrantView', { properties: { clawbackId: { type: 'string', format: 'uuid' } } });
  if (path.endsWith('/repayments') && method === 'post') return json('GrantView', { properties: { repaymentId: { type: 'string', format: 'uuid' } } });
  if (path.startsWith('/v1/grants/{grantId}')) return json('GrantView');
  if (path.startsWith('/v1/expert-pools/{city}/experts') && path !== '/v1/expert-pools/{city}/experts') return json('Expert');
  if (path === '/v1/expert-pools/{city}/experts' && method === 'post') return json('Expert');
  if (path.startsWith('/v1/applications/{applicationId}')) return json('ApplicationView');
  if (path === '/v1/programmes/{programmeId}/applications' && method === 'post') return json('ApplicationView');
  if ((path === '/v1/programmes' && method === 'post') || (path === '/v1/programmes/{programmeId}' && method === 'get')) return json('ProgrammeView');
  if (path === '/v1/rules/rule-sets/{id}/versions/{version}' || (path.startsWith('/v1/rules/rule-sets') && method === 'post')) return json('RuleSetVersion');
  return undefined;
}

/** Success bodies that are not JSON objects, and the lists, by `METHOD path`. */
const SUCCESS: Record<string, { media: string; schema: Schema }> = {
  'get /v1/programmes': { media: 'application/json', schema: page('ProgrammeSummary') },
  'get /v1/grants': { media: 'application/json', schema: page('GrantSummary') },
  'get /v1/experts/me/assignments': { media: 'application/json', schema: page('ExpertAssignment') },
  'get /v1/programmes/{programmeId}/applications': { media: 'application/json', schema: page('ApplicationSummary') },
  'get /v1/finance/ledger': { media: 'application/json', schema: ref('Ledger') },
  'get /v1/rules/rule-sets': { media: 'application/json', schema: { type: 'object', properties: { items: { type: 'array', items: ref('RuleSetSummary') } } } },
  'get /v1/expert-pools/{city}/experts': {
    media: 'application/json',
    schema: { type: 'object', properties: { items: { type: 'array', items: ref('Expert') }, next: { type: 'string', nullable: true, description: 'pass as after for the next page' } } },
  },
  'post /v1/programmes/{programmeId}/defense-round': {
    media: 'application/json',
    schema: {
      type: 'object',
      properties: {
        roundId: { type: 'string' },
        size: { type: 'integer' },
        invited: { type: 'array', items: { type: 'object', properties: { applicationId: { type: 'string', format: 'uuid' }, rank: { type: 'integer' }, scoreHundredths: { type: 'integer' }, score: { type: 'number' } } } },
      },
    },
  },
  'post /v1/enterprises/{creditCode}/facts': {
    media: 'application/json',
    schema: { type: 'object', properties: { creditCode: { type: 'string' }, recorded: { type: 'boolean' }, facts: { type: 'array', items: { type: 'object', additionalProperties: true } }, reassessment: { type: 'string', enum: ['scheduled', 'unchanged'] } } },
  },
  'get /v1/audit/grants/{grantId}': {
    media: 'application/json',
    schema: { type: 'object', properties: { asOf: { type: 'string', nullable: true }, eventsApplied: { type: 'integer' }, grant: ref('GrantView') } },
  },
  'get /v1/audit/applications/{applicationId}': {
    media: 'application/json',
    schema: { type: 'object', properties: { asOf: { type: 'string', nullable: true }, eventsApplied: { type: 'integer' }, application: ref('ApplicationView') } },
  },
  'get /metrics': { media: 'text/plain', schema: { type: 'string', description: 'Prometheus text exposition' } },
  'get /v1/audit/checkpoint': { media: 'text/plain', schema: { type: 'string', description: 'C2SP signed tlog checkpoint' } },
  'get /v1/audit/export': { media: 'application/x-ndjson', schema: { type: 'string', description: 'one event per line' } },
  ...OPERATION_SUCCESS,
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/**
 * The errors every operation may answer, as problem+json: 400 for bad input; 401/403 (missing or
 * invalid token, role or scope) and 429 (throttling) unless the route is public; 404 (an unknown or
 * out-of-scope record); for writes 409 (state or If-Match conflict), 412 (If-Match) and 422 (a
 * domain rule refused it).
 */
function errorResponses(method: string, isPublic: boolean): Record<string, ReturnType<typeof problem>> {
  const responses: Record<string, ReturnType<typeof problem>> = { '400': problem('Invalid input (VALIDATION_FAILED, QUERY_INVALID, CURSOR_INVALID, …)') };
  if (!isPublic) {
    responses['401'] = problem('No valid bearer token (AUTHENTICATION_REQUIRED)');
    responses['403'] = problem('Role or scope does not allow this (ROLE_FORBIDDEN, SCOPE_FORBIDDEN, FILTER_OUT_OF_SCOPE)');
    responses['429'] = problem('Throttled (RATE_LIMITED), with Retry-After');
  }
  responses['404'] = problem('No such record, or one outside your scope (answered alike)');
  if (method !== 'get') {
    responses['409'] = problem('Conflicts with the current state (e.g. a concurrent change)');
    responses['412'] = problem('If-Match does not match the current ETag (PRECONDITION_FAILED)');
    responses['422'] = problem('A domain rule refused the command (the code names the rule)');
  }
  return responses;
}

/**
 * Completes what @nestjs/swagger generates from the controllers: a success response with a body
 * schema for every operation (the lists and non-JSON bodies by route, every other body a JSON
 * object described in docs/api-guide.md), `Location` on 201s, and the problem+json error responses.
 */
export function completeResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...(document.components?.schemas ?? {}), ...SCHEMAS } as never };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, unknown>)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const operation = value as Operation;
      const responses = (operation.responses ??= {});
      const success = Object.keys(responses).filter((code) => /^2\d\d$/.test(code));
      if (success.length === 0) {
        responses[method === 'post' ? '201' : '200'] = { description: '' };
        success.push(method === 'post' ? '201' : '200');
      }
      const known = successSchema(method, path);
      for (const code of success) {
        const response = responses[code];
        if (!response.description) response.description = code === '201' ? 'Created' : 'OK';
        const hasSchema = Object.values(response.content ?? {}).some((media) => media.schema !== undefined);
        if (!hasSchema) response.content = { [known?.media ?? 'application/json']: { schema: known?.schema ?? ref('Resource') } };
        if (!hasSchema && !known) (document.components!.schemas as Record<string, unknown>).Resource = RESOURCE;
        if (code === '201') response.headers = { ...(response.headers ?? {}), Location: { description: 'the created resource', schema: { type: 'string' } } };
      }
      for (const [code, extra] of Object.entries(OPERATION_EXTRA_RESPONSES[`${method} ${path}`] ?? {})) responses[code] ??= extra;
      const isPublic = !operation.security || operation.security.length === 0;
      for (const [code, error] of Object.entries(errorResponses(method, isPublic))) responses[code] ??= error;
    }
  }
  return document;
}

/** The OpenAPI document of an app: what its controllers declare, completed by completeResponses. */
export function openApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .setDescription('IP-and-standards integration funding programmes (Suzhou 2024, Rizhao pilot). Errors are application/problem+json with a stable code and Chinese + English detail.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  return completeResponses(document);
}
