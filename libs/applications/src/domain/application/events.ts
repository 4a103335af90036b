import { DomainEvent, EventRegistry } from '@ipstd/kernel';
import { Assessment, CreditFacts } from '@ipstd/funding-rules';
import { ApplicationProfile } from '../profile';
import { PanelExpert } from '../review';
import { PanelDraw } from '../expert-pool';
import { legacySelectionId } from '../streams';

/** What led to an eligibility assessment. */
export type AssessmentTrigger = 'submission' | 'amendment' | 'credit-fact';

export type ApplicationEvent =
  | DomainEvent<'ApplicationSubmitted', { applicationId: string; programmeId: string; submittedAt: string; profile: ApplicationProfile }>
  | DomainEvent<'ApplicationAmended', { applicationId: string; amendedAt: string; profile: ApplicationProfile }>
  | DomainEvent<'ApplicationWithdrawn', { applicationId: string; withdrawnAt: string; reason: string | null }>
  | DomainEvent<
      'EligibilityAssessed',
      { applicationId: string; trigger: AssessmentTrigger; assessedAt: string; facts: Partial<CreditFacts>; assessment: Assessment }
    >
  | DomainEvent<'ApplicationEndorsed', { applicationId: string; district: string; opinion: string; endorsedAt: string }>
  | DomainEvent<'ApplicationNotEndorsed', { applicationId: string; district: string; opinion: string; declinedAt: string }>
  | DomainEvent<'ReviewPanelAssigned', { applicationId: string; experts: PanelExpert[]; assignedAt: string }>
  /** A panel drawn at random from the city's expert pool, with what re-runs the draw (docs/lifecycle/application.md). */
  | DomainEvent<'ReviewPanelDrawn', PanelDraw>
  /** The next reserve of the draw takes the place of an expert who stood down. */
  | DomainEvent<'ReserveExpertAssigned', { applicationId: string; expert: PanelExpert; replaces: string; assignedAt: string }>
  | DomainEvent<'ExpertConflictDeclared', { applicationId: string; expertId: string; reason: string; declaredAt: string }>
  | DomainEvent<
      'ReviewScoresSubmitted',
      { applicationId: string; expertId: string; scores: Array<{ criterionId: string; hundredths: number }>; totalHundredths: number; comment: string; submittedAt: string }
    >
  | DomainEvent<
      'ReviewClosed',
      { applicationId: string; aggregation: string; totals: Array<{ expertId: string; totalHundredths: number }>; aggregateHundredths: number; closedAt: string }
    >
  | DomainEvent<'InvitedToDefense', { applicationId: string; roundId: string; rank: number; invitedAt: string }>
  | DomainEvent<'DefenseScoreSubmitted', { applicationId: string; expertId: string; hundredths: number; comment: string; submittedAt: string }>
  | DomainEvent<
      'ApplicationSelected',
      {
        applicationId: string;
        approvedAmountFen: number;
        reason: string;
        finalScoreHundredths: number;
        eligibility: string;
        eligibilityOverride: string | null;
        /** Designation batch, e.g. the Rizhao pilot's 第三批 (002_2717c857cd88b5c5.txt 四); null when the call has none. */
        batch: string | null;
        /** v2: the selection decision whose budget commitment (FundsCommitted on the programme) this award uses. */
        selectionId: string;
        selectedAt: string;
      }
    >
  | DomainEvent<'ApplicationNotSelected', { applicationId: string; reason: string; finalScoreHundredths: number; decidedAt: string }>
  /** An objection upheld during the public notice (公示) withdrew this selection; its budget commitment is released. */
  | DomainEvent<'ApplicationSelectionWithdrawn', { applicationId: string; selectionId: string; objectionId: string; reason: string; withdrawnAt: string }>
  /** The applicant asks the bureau to review (复核) the decision that went against it, within the call's window. */
  | DomainEvent<
      'ReviewRequested',
      {
        applicationId: string;
        requestId: string;
        basis: 'not-selected' | 'objection-upheld';
        decisionAt: string;
        grounds: string;
        requestedBy: { sub: string; role: string };
        requestedAt: string;
        /** The last working day of the window (Asia/Shanghai). */
        deadlineOn: string;
      }
    >
  /** The bureau's decision on a review request; upheld reopens the selection decision. */
  | DomainEvent<'ReviewRequestDecided', { applicationId: string; requestId: string; outcome: 'upheld' | 'dismissed'; reason: string; decidedBy: { sub: string; role: string }; decidedAt: string }>;

export const APPLICATION_EVENTS: EventRegistry<ApplicationEvent> = {
  ApplicationSubmitted: { version: 1 },
  ApplicationAmended: { version: 1 },
  ApplicationWithdrawn: { version: 1 },
  EligibilityAssessed: { version: 1 },
  ApplicationEndorsed: { version: 1 },
  ApplicationNotEndorsed: { version: 1 },
  ReviewPanelAssigned: { version: 1 },
  ReviewPanelDrawn: { version: 1 },
  ReserveExpertAssigned: { version: 1 },
  ExpertConflictDeclared: { version: 1 },
  ReviewScoresSubmitted: { version: 1 },
  ReviewClosed: { version: 1 },
  InvitedToDefense: { version: 1 },
  DefenseScoreSubmitted: { version: 1 },
  ApplicationSelected: { version: 2, upcast: (data) => upcastApplicationSelectedV1(data as ApplicationSelectedV1) },
  ApplicationNotSelected: { version: 1 },
  ApplicationSelectionWithdrawn: { version: 1 },
  ReviewRequested: { version: 1 },
  ReviewRequestDecided: { version: 1 },
};

/** ApplicationSelected as stored before v2: no selection id, and `batch` absent on the oldest events. */
type ApplicationSelectedV1 = Omit<Extract<ApplicationEvent, { type: 'ApplicationSelected' }>['data'], 'selectionId' | 'batch'> & { batch?: string | null };

/** A v1 selection used its application's one v1 commitment: see upcastFundsCommittedV1. */
function upcastApplicationSelectedV1(data: ApplicationSelectedV1): Extract<ApplicationEvent, { type: 'ApplicationSelected' }>['data'] {
  return { ...data, batch: data.batch ?? null, selectionId: legacySelectionId(data.applicationId) };
}
