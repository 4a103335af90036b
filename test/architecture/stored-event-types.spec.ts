import { EventRegistry, DomainEvent } from '@ipstd/kernel';
import { APPLICATION_EVENTS, ENTERPRISE_EVENTS, EXPERT_POOL_EVENTS, PROGRAMME_EVENTS, WORKING_DAY_CALENDAR_EVENTS } from '@ipstd/applications';
import { RULE_CATALOG_EVENTS } from '@ipstd/funding-rules';
import { GRANT_EVENTS } from '@ipstd/grants';
import { STATEMENT_EVENTS } from '@ipstd/finance';
import { AUDIT_EVENTS } from '@ipstd/audit';
import { REMINDER_EVENTS } from '@ipstd/messaging';

/**
 * Stored event types are a public contract (docs/events.md): a type is never renamed or removed, and
 * its schema version only grows (with an upcaster and a test that decodes the old JSON). This list is
 * frozen: adding a type or a version means adding it here on purpose; renaming or dropping one fails.
 */
const FROZEN: Record<string, Record<string, number>> = {
  PROGRAMME_EVENTS: {
    ProgrammeOpened: 3, FundsCommitted: 2, FundsReleased: 2, DefenseRoundOpened: 1, PublicNoticePublished: 1, ObjectionFiled: 1, ObjectionResolved: 1, PublicNoticeClosed: 1,
  },
  APPLICATION_EVENTS: {
    ApplicationSubmitted: 1, ApplicationAmended: 1, ApplicationWithdrawn: 1, EligibilityAssessed: 1, ApplicationEndorsed: 1, ApplicationNotEndorsed: 1,
    ReviewPanelAssigned: 1, ReviewPanelDrawn: 1, ReserveExpertAssigned: 1, ExpertConflictDeclared: 1, ReviewScoresSubmitted: 1, ReviewClosed: 1,
    InvitedToDefense: 1, DefenseScoreSubmitted: 1, ApplicationSelected: 2, ApplicationNotSelected: 1, ApplicationSelectionWithdrawn: 1, ReviewRequested: 1,
    ReviewRequestDecided: 1,
  },
  ENTERPRISE_EVENTS: { EnterpriseFactRecorded: 1 },
  EXPERT_POOL_EVENTS: { ExpertRegistered: 1, ExpertUpdated: 1, ExpertDeactivated: 1, ExpertsDrawn: 1, ReserveCalledIn: 1 },
  RULE_CATALOG_EVENTS: { RuleSetPublished: 1 },
  WORKING_DAY_CALENDAR_EVENTS: { WorkingDayYearPublished: 1 },
  GRANT_EVENTS: {
    GrantAwarded: 1, AgreementSigned: 1, TrancheReleaseOrdered: 1, TranchePaid: 1, TranchePaidInFull: 1, TrancheReleaseCancelled: 1, MidTermInspected: 1,
    AcceptanceRequested: 1, AcceptanceDecided: 1, GrantEvaluated: 1, ClawbackOrdered: 1, RepaymentRecorded: 1, ClawbackSettled: 1, ClawbackOverdue: 1,
    ClawbackWrittenOff: 1, GrantClosed: 1, GrantSuspended: 1, GrantSuspensionDecided: 1,
  },
  STATEMENT_EVENTS: { StatementRowsRecorded: 2, StatementImported: 2 },
  AUDIT_EVENTS: { LogCheckpointSealed: 1, SignedCheckpointPublished: 1 },
  REMINDER_EVENTS: { DeadlineReminderSent: 1 },
};

const REGISTRIES: Record<string, EventRegistry<DomainEvent>> = {
  PROGRAMME_EVENTS, APPLICATION_EVENTS, ENTERPRISE_EVENTS, EXPERT_POOL_EVENTS, RULE_CATALOG_EVENTS, WORKING_DAY_CALENDAR_EVENTS, GRANT_EVENTS, STATEMENT_EVENTS, AUDIT_EVENTS, REMINDER_EVENTS,
} as unknown as Record<string, EventRegistry<DomainEvent>>;

describe('stored event types (a frozen contract)', () => {
  it.each(Object.keys(FROZEN))('%s holds exactly the frozen types at their frozen versions', (name) => {
    const current = Object.fromEntries(Object.entries(REGISTRIES[name] as Record<string, { version: number }>).map(([type, schema]) => [type, schema.version]));
    expect(current).toEqual(FROZEN[name]);
  });

  it('every type that was ever stored at a version above 1 can read its older versions (an upcaster)', () => {
    for (const registry of Object.values(REGISTRIES) as Array<Record<string, { version: number; upcast?: unknown }>>) {
      for (const [type, schema] of Object.entries(registry)) {
        if (schema.version > 1) expect({ type, upcast: typeof schema.upcast }).toEqual({ type, upcast: 'function' });
      }
    }
  });

  it('no type name is used by two registries', () => {
    const names = Object.values(FROZEN).flatMap((types) => Object.keys(types));
    expect(new Set(names).size).toBe(names.length);
  });
});
