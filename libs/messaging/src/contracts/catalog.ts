import { DomainEvent, EventRegistry } from '@ipstd/kernel';
import { APPLICATION_EVENTS, ApplicationEvent, PROGRAMME_EVENTS, ProgrammeEvent } from '@ipstd/applications';
import { GRANT_EVENTS, GrantEvent } from '@ipstd/grants';
import { STATEMENT_EVENTS, StatementEvent } from '@ipstd/finance';
import { AUDIT_EVENTS, AuditEvent } from '@ipstd/audit';
import * as s from './json-schema';
import { DEADLINE_KINDS, REMINDER_EVENTS, REMINDER_KINDS, RESOURCE_TYPES, ReminderEvent } from '../domain/reminders';

/**
 * The integration events: the public contract other systems consume (Kafka and `GET /v1/events`).
 *
 * They are not the domain events. Each one is mapped from exactly one domain event type, after the
 * domain event is decoded (and upcast) to its current shape, so a domain schema change does not reach
 * consumers unless a contract's mapping changes with it. Personal data (contact names and phones),
 * individual experts' scores and comments, and internal bookkeeping events are never published. Not
 * published either, because they name experts: the review panel events (ReviewPanelAssigned,
 * ReviewPanelDrawn, ReserveExpertAssigned, ExpertConflictDeclared) and the expert pool's events
 * (ExpertRegistered, ExpertUpdated, ExpertDeactivated, ExpertsDrawn, ReserveCalledIn).
 *
 * Versioning: `type` ends in `.v<major>`. Adding an optional field keeps the version; anything else
 * publishes a new major type alongside the old one for a deprecation period (docs/integration.md).
 */
export type IntegrationContext = 'applications' | 'grants' | 'finance' | 'credit' | 'audit' | 'notifications';
export const INTEGRATION_CONTEXTS: readonly IntegrationContext[] = ['applications', 'grants', 'finance', 'credit', 'audit', 'notifications'];

/**
 * What a contract's mapping may know beyond the event's own data: facts of the event that created the
 * stream (the grant's enterprise for the credit system's events), looked up by the CityResolver.
 */
export interface StreamOrigin {
  readonly city: string | null;
  readonly enterprise: { readonly creditCode: string; readonly name: string } | null;
}

export interface IntegrationContract {
  /** CloudEvents `type`, e.g. `cn.ipstd.applications.application-selected.v1`. */
  readonly type: string;
  readonly context: IntegrationContext;
  /** The domain event it is mapped from. */
  readonly domainType: string;
  readonly description: string;
  /** JSON Schema of `data`. */
  readonly schema: s.JsonSchema;
  readonly map: (data: unknown, origin: StreamOrigin) => Record<string, unknown>;
}

const TYPE_PREFIX = 'cn.ipstd';

type DataOf<E extends DomainEvent, T extends E['type']> = Extract<E, { type: T }>['data'];

function contracts<E extends DomainEvent>(context: IntegrationContext, registry: EventRegistry<E>) {
  const list: IntegrationContract[] = [];
  const add = <T extends E['type'] & string>(domainType: T, name: string, description: string, schema: s.JsonSchema, map: (data: DataOf<E, T>, origin: StreamOrigin) => Record<string, unknown>) => {
    if (!(domainType in registry)) throw new Error(`no domain event ${domainType} in the ${context} registry`);
    list.push({ type: `${TYPE_PREFIX}.${context}.${name}.v1`, context, domainType, description, schema, map: map as (data: unknown, origin: StreamOrigin) => Record<string, unknown> });
  };
  return { list, add };
}

const enterprise = () => s.object({ creditCode: s.creditCode(), name: s.string(), district: s.division() });
const ruleSetRef = () => s.object({ id: s.string(), version: s.integer({ minimum: 1 }) });

// ---------------------------------------------------------------- applications (programmes and applications)
const applications = contracts<ProgrammeEvent | ApplicationEvent>('applications', { ...PROGRAMME_EVENTS, ...APPLICATION_EVENTS });

applications.add(
  'ProgrammeOpened',
  'programme-opened',
  'A programme call (申报通知) was opened: its window, deadlines, budget and the rule-set version applications are assessed under.',
  s.object({
    programmeId: s.uuid(),
    code: s.string(),
    title: s.string(),
    city: s.division(),
    ruleSet: ruleSetRef(),
    window: s.object({ opensAt: s.instant(), closesAt: s.instant() }),
    endorsementDeadline: s.instant(),
    budgetFen: s.fen(),
    implementationMonths: s.integer({ minimum: 1 }),
    openedAt: s.instant(),
  }),
  (d) => ({
    programmeId: d.programmeId,
    code: d.terms.code,
    title: d.terms.title,
    city: d.terms.city,
    ruleSet: { id: d.terms.ruleSet.id, version: d.terms.ruleSet.version },
    window: { opensAt: d.terms.window.opensAt, closesAt: d.terms.window.closesAt },
    endorsementDeadline: d.terms.endorsementDeadline,
    budgetFen: d.terms.budgetFen,
    implementationMonths: d.terms.implementationMonths,
    openedAt: d.openedAt,
  }),
);

const applicationFacts = (d: DataOf<ApplicationEvent, 'ApplicationSubmitted' | 'ApplicationAmended'>) => ({
  enterprise: { creditCode: d.profile.enterprise.creditCode, name: d.profile.enterprise.name, district: d.profile.enterprise.district },
  project: { title: d.profile.project.title, requestedAmountFen: d.profile.project.requestedAmountFen },
});
const project = () => s.object({ title: s.string(), requestedAmountFen: s.fen() });

applications.add(
  'ApplicationSubmitted',
  'application-submitted',
  'An enterprise applied to a programme. The full profile stays in the system; the contract carries the enterprise and the project.',
  s.object({ applicationId: s.uuid(), programmeId: s.uuid(), enterprise: enterprise(), project: project(), submittedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, programmeId: d.programmeId, ...applicationFacts(d), submittedAt: d.submittedAt }),
);
applications.add(
  'ApplicationAmended',
  'application-amended',
  'The applicant replaced its profile before the call closed.',
  s.object({ applicationId: s.uuid(), enterprise: enterprise(), project: project(), amendedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, ...applicationFacts(d), amendedAt: d.amendedAt }),
);
applications.add(
  'ApplicationWithdrawn',
  'application-withdrawn',
  'The applicant withdrew the application.',
  s.object({ applicationId: s.uuid(), reason: s.nullable(s.string()), withdrawnAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, reason: d.reason, withdrawnAt: d.withdrawnAt }),
);
applications.add(
  'EligibilityAssessed',
  'eligibility-assessed',
  'The application was assessed against the rule set pinned by its programme, on submission, amendment or a credit fact. Lists the clauses that failed or need review, with their citations.',
  s.object({
    applicationId: s.uuid(),
    trigger: s.oneOf(['submission', 'amendment', 'credit-fact']),
    outcome: s.oneOf(['eligible', 'ineligible', 'needs-review']),
    ruleSet: ruleSetRef(),
    referenceDate: s.date(),
    findings: s.array(s.object({ clauseId: s.string(), outcome: s.oneOf(['fail', 'finding']), citation: s.string(), explanation: s.bilingual() })),
    assessedAt: s.instant(),
  }),
  (d) => ({
    applicationId: d.applicationId,
    trigger: d.trigger,
    outcome: d.assessment.outcome,
    ruleSet: { id: d.assessment.ruleSet.id, version: d.assessment.ruleSet.version },
    referenceDate: d.assessment.referenceDate,
    findings: d.assessment.clauses
      .filter((c) => c.outcome === 'fail' || c.outcome === 'finding')
      .map((c) => ({ clauseId: c.id, outcome: c.outcome, citation: c.citation, explanation: { zh: c.explanation.zh, en: c.explanation.en } })),
    assessedAt: d.assessedAt,
  }),
);
applications.add(
  'ApplicationEndorsed',
  'application-endorsed',
  "The district IP office endorsed the application (推荐).",
  s.object({ applicationId: s.uuid(), district: s.division(), opinion: s.string(), endorsedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, district: d.district, opinion: d.opinion, endorsedAt: d.endorsedAt }),
);
applications.add(
  'ApplicationNotEndorsed',
  'application-not-endorsed',
  'The district IP office declined to endorse the application.',
  s.object({ applicationId: s.uuid(), district: s.division(), opinion: s.string(), declinedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, district: d.district, opinion: d.opinion, declinedAt: d.declinedAt }),
);
applications.add(
  'ReviewClosed',
  'review-closed',
  "Expert review closed with the aggregate score (hundredths of a point). Individual experts and their scores are not published.",
  s.object({ applicationId: s.uuid(), aggregation: s.string(), aggregateHundredths: s.integer({ minimum: 0 }), closedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, aggregation: d.aggregation, aggregateHundredths: d.aggregateHundredths, closedAt: d.closedAt }),
);
applications.add(
  'InvitedToDefense',
  'invited-to-defense',
  'The application was invited to the defense round (答辩) at the given rank.',
  s.object({ applicationId: s.uuid(), roundId: s.uuid(), rank: s.integer({ minimum: 1 }), invitedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, roundId: d.roundId, rank: d.rank, invitedAt: d.invitedAt }),
);
applications.add(
  'ApplicationSelected',
  'application-selected',
  'The city bureau selected the application within the budget, with the approved amount. A grant follows (grants topic).',
  s.object({
    applicationId: s.uuid(),
    approvedAmountFen: s.fen(),
    finalScoreHundredths: s.integer({ minimum: 0 }),
    eligibility: s.string(),
    eligibilityOverridden: s.boolean(),
    batch: s.nullable(s.string()),
    selectedAt: s.instant(),
  }),
  (d) => ({
    applicationId: d.applicationId,
    approvedAmountFen: d.approvedAmountFen,
    finalScoreHundredths: d.finalScoreHundredths,
    eligibility: d.eligibility,
    eligibilityOverridden: d.eligibilityOverride !== null,
    batch: d.batch ?? null,
    selectedAt: d.selectedAt,
  }),
);
applications.add(
  'ApplicationNotSelected',
  'application-not-selected',
  'The city bureau did not select the application.',
  s.object({ applicationId: s.uuid(), reason: s.string(), finalScoreHundredths: s.integer({ minimum: 0 }), decidedAt: s.instant() }),
  (d) => ({ applicationId: d.applicationId, reason: d.reason, finalScoreHundredths: d.finalScoreHundredths, decidedAt: d.decidedAt }),
);

// ---------------------------------------------------------------- grants
const grants = contracts<GrantEvent>('grants', GRANT_EVENTS);
const tranche = () => s.object({ trancheNo: s.integer({ minimum: 1 }), percent: s.integer({ minimum: 1, maximum: 100 }), trigger: s.string(), amountFen: s.fen() });

grants.add(
  'GrantAwarded',
  'grant-awarded',
  'A grant was created for a selected application: the award, its tranche plan, the implementation period and the performance targets.',
  s.object({
    grantId: s.uuid(),
    applicationId: s.uuid(),
    programmeId: s.uuid(),
    enterprise: enterprise(),
    awardFen: s.fen(),
    tranches: s.array(tranche()),
    implementation: s.object({ months: s.integer({ minimum: 1 }), startsAt: s.instant(), endsAt: s.instant() }),
    targets: s.array(s.object({ id: s.string(), citation: s.string(), text: s.bilingual() })),
    awardedAt: s.instant(),
  }),
  (d) => ({
    grantId: d.grantId,
    applicationId: d.applicationId,
    programmeId: d.programmeId,
    enterprise: { creditCode: d.enterprise.creditCode, name: d.enterprise.name, district: d.enterprise.district },
    awardFen: d.awardFen,
    tranches: d.tranches.map((t) => ({ trancheNo: t.trancheNo, percent: t.percent, trigger: t.trigger, amountFen: t.amountFen })),
    implementation: { months: d.implementation.months, startsAt: d.implementation.startsAt, endsAt: d.implementation.endsAt },
    targets: d.targets.map((t) => ({ id: t.id, citation: t.citation, text: { zh: t.text.zh, en: t.text.en } })),
    awardedAt: d.awardedAt,
  }),
);
grants.add('AgreementSigned', 'agreement-signed', 'The enterprise and the bureau signed the grant agreement.', s.object({ grantId: s.uuid(), signedAt: s.instant() }), (d) => ({
  grantId: d.grantId,
  signedAt: d.signedAt,
}));
grants.add(
  'TrancheReleaseOrdered',
  'tranche-release-ordered',
  "The bureau ordered a tranche's release (first signature). The treasury pays against orderNo.",
  s.object({ grantId: s.uuid(), trancheNo: s.integer({ minimum: 1 }), amountFen: s.fen(), orderNo: s.string(), orderedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, trancheNo: d.trancheNo, amountFen: d.amountFen, orderNo: d.orderNo, orderedAt: d.orderedAt }),
);
grants.add(
  'TranchePaid',
  'tranche-paid',
  "The finance bureau confirmed a payment against the tranche's release order (second signature), with the treasury reference and value date. An order may be paid by several confirmations, each with its own reference; tranche-paid-in-full follows the one that pays the last fen.",
  s.object({ grantId: s.uuid(), trancheNo: s.integer({ minimum: 1 }), amountFen: s.fen(), reference: s.string(), valueDate: s.date(), confirmedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, trancheNo: d.trancheNo, amountFen: d.amountFen, reference: d.reference, valueDate: d.valueDate, confirmedAt: d.confirmedAt }),
);
grants.add(
  'TranchePaidInFull',
  'tranche-paid-in-full',
  "The payment confirmations of a tranche's release order add up to the ordered amount (published for confirmations made from this contract's introduction on).",
  s.object({ grantId: s.uuid(), trancheNo: s.integer({ minimum: 1 }), orderNo: s.string(), paidFen: s.fen(), paidInFullAt: s.instant() }),
  (d) => ({ grantId: d.grantId, trancheNo: d.trancheNo, orderNo: d.orderNo, paidFen: d.paidFen, paidInFullAt: d.paidInFullAt }),
);
grants.add(
  'TrancheReleaseCancelled',
  'tranche-release-cancelled',
  'The bureau cancelled a release order nothing had been paid against, with a reason: the treasury must not pay against orderNo. The tranche may be ordered again under a new release order.',
  s.object({ grantId: s.uuid(), trancheNo: s.integer({ minimum: 1 }), orderNo: s.string(), amountFen: s.fen(), reason: s.string(), cancelledAt: s.instant() }),
  (d) => ({ grantId: d.grantId, trancheNo: d.trancheNo, orderNo: d.orderNo, amountFen: d.amountFen, reason: d.reason, cancelledAt: d.cancelledAt }),
);
grants.add(
  'MidTermInspected',
  'mid-term-inspected',
  'Mid-term inspection (中期检查) of the performance targets.',
  s.object({
    grantId: s.uuid(),
    inspectionId: s.uuid(),
    outcome: s.oneOf(['passed', 'at-risk', 'failing']),
    results: s.array(s.object({ targetId: s.string(), status: s.oneOf(['on-track', 'at-risk', 'failing']) })),
    inspectedAt: s.instant(),
  }),
  (d) => ({ grantId: d.grantId, inspectionId: d.inspectionId, outcome: d.outcome, results: d.results.map((r) => ({ targetId: r.targetId, status: r.status })), inspectedAt: d.inspectedAt }),
);
grants.add(
  'AcceptanceRequested',
  'acceptance-requested',
  'The enterprise requested final acceptance (结项验收).',
  s.object({ grantId: s.uuid(), requestedAt: s.instant(), lastAllowedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, requestedAt: d.requestedAt, lastAllowedAt: d.lastAllowedAt }),
);
grants.add(
  'AcceptanceDecided',
  'acceptance-decided',
  'Final acceptance was decided: accepted or failed, with the targets not met.',
  s.object({ grantId: s.uuid(), decision: s.oneOf(['accepted', 'failed']), unmetTargets: s.array(s.string()), reason: s.string(), decidedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, decision: d.decision, unmetTargets: [...d.unmet], reason: d.reason, decidedAt: d.decidedAt }),
);
grants.add(
  'GrantEvaluated',
  'grant-evaluated',
  'Performance evaluation (绩效评价) under the pinned rule set: outcome, score and pass mark.',
  s.object({ grantId: s.uuid(), outcome: s.oneOf(['passed', 'failed']), score: s.points(), passMark: s.points(), ruleSet: s.nullable(ruleSetRef()), evaluatedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, outcome: d.outcome, score: d.score, passMark: d.passMark, ruleSet: d.index ? { id: d.index.ruleSet.id, version: d.index.ruleSet.version } : null, evaluatedAt: d.evaluatedAt }),
);
grants.add(
  'ClawbackOrdered',
  'clawback-ordered',
  'The bureau ordered money back (收回项目资金) with a reason and a due date.',
  s.object({ grantId: s.uuid(), clawbackId: s.uuid(), amountFen: s.fen(), reason: s.string(), dueDate: s.date(), orderedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, clawbackId: d.clawbackId, amountFen: d.amountFen, reason: d.reason, dueDate: d.dueDate, orderedAt: d.orderedAt }),
);
grants.add(
  'RepaymentRecorded',
  'repayment-recorded',
  'The finance bureau recorded a (partial) repayment of a clawback.',
  s.object({ grantId: s.uuid(), clawbackId: s.uuid(), repaymentId: s.uuid(), amountFen: s.fen(), reference: s.string(), valueDate: s.date(), recordedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, clawbackId: d.clawbackId, repaymentId: d.repaymentId, amountFen: d.amountFen, reference: d.reference, valueDate: d.valueDate, recordedAt: d.recordedAt }),
);
grants.add(
  'ClawbackSettled',
  'clawback-settled',
  'A clawback was repaid in full.',
  s.object({ grantId: s.uuid(), clawbackId: s.uuid(), repaidFen: s.fen(), settledAt: s.instant() }),
  (d) => ({ grantId: d.grantId, clawbackId: d.clawbackId, repaidFen: d.repaidFen, settledAt: d.settledAt }),
);
grants.add(
  'ClawbackOverdue',
  'clawback-overdue',
  'A clawback passed its due date with money outstanding.',
  s.object({ grantId: s.uuid(), clawbackId: s.uuid(), dueDate: s.date(), outstandingFen: s.fen(), markedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, clawbackId: d.clawbackId, dueDate: d.dueDate, outstandingFen: d.outstandingFen, markedAt: d.markedAt }),
);
grants.add(
  'ClawbackWrittenOff',
  'clawback-written-off',
  'What remained of a clawback was written off, with a reason.',
  s.object({ grantId: s.uuid(), clawbackId: s.uuid(), amountFen: s.fen(), reason: s.string(), writtenOffAt: s.instant() }),
  (d) => ({ grantId: d.grantId, clawbackId: d.clawbackId, amountFen: d.amountFen, reason: d.reason, writtenOffAt: d.writtenOffAt }),
);
const notice = () => s.object({ fact: s.oneOf(['serious-dishonesty', 'abnormal-patent-application']), source: s.string(), reference: s.string(), observedAt: s.instant() });
grants.add(
  'GrantSuspended',
  'grant-suspended',
  "The grant's releases and payment confirmations stopped: a serious-dishonesty record or an abnormal-patent notice stands against the enterprise (at award, or arriving after it). The treasury must not pay against the grant's orders until grant-suspension-decided.",
  s.object({ grantId: s.uuid(), notice: notice(), stage: s.oneOf(['award', 'after-award']), reason: s.bilingual(), suspendedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, notice: { fact: d.notice.fact, source: d.notice.source, reference: d.notice.reference, observedAt: d.notice.observedAt }, stage: d.stage, reason: { zh: d.reason.zh, en: d.reason.en }, suspendedAt: d.suspendedAt }),
);
grants.add(
  'GrantSuspensionDecided',
  'grant-suspension-decided',
  'The bureau decided on a suspended grant, with a reason: continue (releases resume) or claw-back (a clawback-ordered with clawbackId follows). The suspension ends either way.',
  s.object({ grantId: s.uuid(), decision: s.oneOf(['continue', 'claw-back']), reason: s.string(), notices: s.array(notice()), clawbackId: s.nullable(s.uuid()), decidedAt: s.instant() }),
  (d) => ({
    grantId: d.grantId,
    decision: d.decision,
    reason: d.reason,
    notices: d.notices.map((n) => ({ fact: n.fact, source: n.source, reference: n.reference, observedAt: n.observedAt })),
    clawbackId: d.clawbackId,
    decidedAt: d.decidedAt,
  }),
);
grants.add(
  'GrantClosed',
  'grant-closed',
  'The grant was closed after acceptance.',
  s.object({ grantId: s.uuid(), outcome: s.oneOf(['accepted', 'failed']), tranchesNotDue: s.array(s.object({ trancheNo: s.integer({ minimum: 1 }), reason: s.string() })), closedAt: s.instant() }),
  (d) => ({ grantId: d.grantId, outcome: d.outcome, tranchesNotDue: d.tranchesNotDue.map((t) => ({ trancheNo: t.trancheNo, reason: t.reason })), closedAt: d.closedAt }),
);

// ---------------------------------------------------------------- finance
const finance = contracts<StatementEvent>('finance', STATEMENT_EVENTS);
const side = () => s.object({ count: s.integer({ minimum: 0 }), totalFen: s.fen() });
finance.add(
  'StatementImported',
  'statement-imported',
  'A treasury or bank statement was imported; its reconciliation is at GET /v1/finance/reconciliations/{statementId}.',
  s.object({ statementId: s.uuid(), city: s.division(), fileSha256: s.string({ pattern: '^[0-9a-f]{64}$' }), rowCount: s.integer({ minimum: 1 }), debit: side(), credit: side(), period: s.object({ from: s.date(), to: s.date() }), importedAt: s.instant() }),
  (d) => ({ statementId: d.statementId, city: d.city, fileSha256: d.fileSha256, rowCount: d.rowCount, debit: { ...d.debit }, credit: { ...d.credit }, period: { ...d.period }, importedAt: d.importedAt }),
);

// ---------------------------------------------------------------- credit (for the social credit system)
/**
 * The credit system's view of money the bureau orders back (收回项目资金): every clawback ordered, repaid
 * in full, overdue or written off, keyed by grant and naming the enterprise by its unified social credit
 * code, on a topic of its own. The same domain events are also published on the grants topic in the
 * grants' shape; these are a second, narrower contract for one consumer (ADR 0015).
 */
const credit = contracts<GrantEvent>('credit', GRANT_EVENTS);
const creditEnterprise = () => s.object({ creditCode: s.creditCode(), name: s.string() });
const enterpriseOf = (origin: StreamOrigin) => {
  if (!origin.enterprise) throw new Error('a credit event needs the grant enterprise (GrantAwarded opens every grant stream)');
  return { creditCode: origin.enterprise.creditCode, name: origin.enterprise.name };
};

credit.add(
  'ClawbackOrdered',
  'clawback-ordered',
  'The funding bureau ordered an enterprise to pay money back (收回项目资金), with the reason and the due date.',
  s.object({ enterprise: creditEnterprise(), grantId: s.uuid(), clawbackId: s.uuid(), amountFen: s.fen(), reason: s.string(), dueDate: s.date(), orderedAt: s.instant() }),
  (d, o) => ({ enterprise: enterpriseOf(o), grantId: d.grantId, clawbackId: d.clawbackId, amountFen: d.amountFen, reason: d.reason, dueDate: d.dueDate, orderedAt: d.orderedAt }),
);
credit.add(
  'ClawbackSettled',
  'clawback-repaid',
  'The enterprise repaid a clawback in full.',
  s.object({ enterprise: creditEnterprise(), grantId: s.uuid(), clawbackId: s.uuid(), repaidFen: s.fen(), repaidAt: s.instant() }),
  (d, o) => ({ enterprise: enterpriseOf(o), grantId: d.grantId, clawbackId: d.clawbackId, repaidFen: d.repaidFen, repaidAt: d.settledAt }),
);
credit.add(
  'ClawbackOverdue',
  'clawback-overdue',
  'A clawback passed its due date (end of that day, Asia/Shanghai) with money outstanding.',
  s.object({ enterprise: creditEnterprise(), grantId: s.uuid(), clawbackId: s.uuid(), dueDate: s.date(), outstandingFen: s.fen(), overdueAt: s.instant() }),
  (d, o) => ({ enterprise: enterpriseOf(o), grantId: d.grantId, clawbackId: d.clawbackId, dueDate: d.dueDate, outstandingFen: d.outstandingFen, overdueAt: d.markedAt }),
);
credit.add(
  'ClawbackWrittenOff',
  'clawback-written-off',
  'The bureau wrote off what remained of a clawback, with a reason.',
  s.object({ enterprise: creditEnterprise(), grantId: s.uuid(), clawbackId: s.uuid(), writtenOffFen: s.fen(), reason: s.string(), writtenOffAt: s.instant() }),
  (d, o) => ({ enterprise: enterpriseOf(o), grantId: d.grantId, clawbackId: d.clawbackId, writtenOffFen: d.amountFen, reason: d.reason, writtenOffAt: d.writtenOffAt }),
);


// ---------------------------------------------------------------- audit (the signed Merkle log's heads)
const audit = contracts<AuditEvent>('audit', AUDIT_EVENTS);
audit.add(
  'SignedCheckpointPublished',
  'checkpoint-published',
  "A signed checkpoint of the log's RFC 9162 Merkle tree (C2SP tlog-checkpoint in a C2SP signed note, Ed25519; docs/audit.md §8). Keep them: a later checkpoint must be consistent with every earlier one (GET /v1/audit/proofs/consistency), which shows the log was only appended to. Published when the log grew since the last one (AUDIT_CHECKPOINT_PUBLISH_SECONDS); the event is itself a leaf of the next tree. Not scoped by city: every subscriber receives every checkpoint.",
  s.object({
    origin: s.string({ description: 'the checkpoint origin line: the log\'s name and its key name' }),
    treeSize: s.integer({ minimum: 1, description: 'events (leaves) the checkpoint covers' }),
    rootHash: s.string({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'RFC 9162 root hash, base64' }),
    lastPosition: s.integer({ minimum: 1, description: 'global position of the last event the tree covers' }),
    note: s.string({ description: 'the signed note, verbatim: checkpoint body, a blank line, one signature line per key ("— <name> <base64(keyid ‖ signature)>")' }),
    publishedAt: s.instant(),
  }),
  (d) => ({ origin: d.origin, treeSize: d.treeSize, rootHash: d.rootHash, lastPosition: d.lastPosition, note: d.note, publishedAt: d.publishedAt }),
);

// ---------------------------------------------------------------- notifications (deadline reminders)
const notifications = contracts<ReminderEvent>('notifications', REMINDER_EVENTS);
notifications.add(
  'DeadlineReminderSent',
  'deadline-reminder',
  `A deadline is near (or, for clawback-overdue, has passed): one message per deadline and recipient, with the recipient's role and scope, the deadline and the resource to act on (docs/integration.md, "Reminders"). Kinds: ${REMINDER_KINDS.join(', ')}. An expert is named only as the recipient of their own scoring reminder.`,
  s.object({
    reminderId: s.uuid(),
    kind: s.oneOf(REMINDER_KINDS),
    title: s.bilingual(),
    recipient: s.object({
      role: s.oneOf(['district-office', 'expert', 'applicant', 'city-bureau', 'finance-bureau']),
      scope: {
        anyOf: [
          s.object({ type: s.string({ const: 'district' }), code: s.division() }),
          s.object({ type: s.string({ const: 'city' }), code: s.division() }),
          s.object({ type: s.string({ const: 'expert' }), id: s.string({ description: "the expert's id in the pool" }) }),
          s.object({ type: s.string({ const: 'enterprise' }), creditCode: s.creditCode() }),
        ],
      },
    }),
    resource: s.object({ type: s.oneOf([...RESOURCE_TYPES]), id: s.string(), link: s.string({ description: 'API path of the resource' }) }),
    deadline: s.instant(),
    leadWorkingDays: s.nullable(s.integer({ minimum: 1, description: "the call's lead time in working days (Chinese calendar); null for clawback-overdue" })),
    remindAt: s.instant(),
    programmeId: s.uuid(),
    city: s.division(),
    sentAt: s.instant(),
  }),
  (d) => ({
    reminderId: d.reminderId,
    kind: d.kind,
    title: { zh: DEADLINE_KINDS[d.kind].title.zh, en: DEADLINE_KINDS[d.kind].title.en },
    recipient: { role: d.recipient.role, scope: { ...d.recipient.scope } },
    resource: { type: d.resource.type, id: d.resource.id, link: d.resource.link },
    deadline: d.deadline,
    leadWorkingDays: d.leadWorkingDays,
    remindAt: d.remindAt,
    programmeId: d.programmeId,
    city: d.city,
    sentAt: d.sentAt,
  }),
);

export const INTEGRATION_CONTRACTS: readonly IntegrationContract[] = [...applications.list, ...grants.list, ...finance.list, ...credit.list, ...audit.list, ...notifications.list];

/** Domain registries by context, to decode (and upcast) a stored event before mapping it. */
export const DOMAIN_REGISTRIES: Readonly<Record<IntegrationContext, EventRegistry<DomainEvent>>> = {
  applications: { ...PROGRAMME_EVENTS, ...APPLICATION_EVENTS } as EventRegistry<DomainEvent>,
  grants: GRANT_EVENTS as EventRegistry<DomainEvent>,
  finance: STATEMENT_EVENTS as EventRegistry<DomainEvent>,
  credit: GRANT_EVENTS as EventRegistry<DomainEvent>,
  audit: AUDIT_EVENTS as EventRegistry<DomainEvent>,
  notifications: REMINDER_EVENTS as EventRegistry<DomainEvent>,
};

/** The context whose topic a domain type is published on first; further contracts (credit) are copies for one consumer. */
const byDomainType = new Map<string, IntegrationContract>();
const allByDomainType = new Map<string, IntegrationContract[]>();
for (const c of INTEGRATION_CONTRACTS) {
  if (!byDomainType.has(c.domainType)) byDomainType.set(c.domainType, c);
  allByDomainType.set(c.domainType, [...(allByDomainType.get(c.domainType) ?? []), c]);
}
const byType = new Map(INTEGRATION_CONTRACTS.map((c) => [c.type, c]));

/** The primary contract of a domain type (its own context's topic); undefined when it is not published. */
export const contractForDomainType = (domainType: string): IntegrationContract | undefined => byDomainType.get(domainType);
/** Every contract of a domain type, the primary first: the relay publishes each on its context's topic. */
export const contractsForDomainType = (domainType: string): readonly IntegrationContract[] => allByDomainType.get(domainType) ?? [];
export const contractOfType = (type: string): IntegrationContract | undefined => byType.get(type);
