import { RecordedEvent } from '@ipstd/event-store';
import { APPLICATION_EVENTS, ApplicationProfile } from '@ipstd/applications';
import { KeyedProjection, Row, readEvent } from '@ipstd/platform';

/** Applications of a programme, for the bureau's and districts' lists (filter by status and district). */
export const applicationsProjection: KeyedProjection = {
  kind: 'keyed',
  name: 'applications',
  version: 1,
  table: {
    name: 'rm_applications',
    columns: {
      application_id: 'text',
      programme_id: 'text',
      status: 'text',
      district: 'text',
      credit_code: 'text',
      enterprise_name: 'text',
      project_title: 'text',
      requested_amount_fen: 'bigint',
      submitted_at: 'timestamptz',
      updated_at: 'timestamptz',
      amendments: 'int',
      eligibility: 'text',
      rule_set: 'text',
      approved_amount_fen: 'bigint',
      final_score_hundredths: 'int',
      // Whether a defense round invited it: an upheld review request reopens it where the state does.
      defense_invited: 'boolean',
      revision: 'bigint',
    },
    primaryKey: ['application_id'],
    indexes: [
      ['programme_id', 'status', 'district', 'submitted_at', 'application_id'],
      ['programme_id', 'submitted_at', 'application_id'],
      ['programme_id', 'eligibility', 'submitted_at', 'application_id'],
      ['credit_code'],
    ],
  },
  handles: [
    'ApplicationSubmitted',
    'ApplicationAmended',
    'ApplicationWithdrawn',
    'EligibilityAssessed',
    'ApplicationEndorsed',
    'ApplicationNotEndorsed',
    'ReviewPanelAssigned',
    'ReviewPanelDrawn',
    'InvitedToDefense',
    'ApplicationSelected',
    'ApplicationNotSelected',
    'ApplicationSelectionWithdrawn',
    'ReviewRequestDecided',
  ],
  keyOf: (event) => [readEvent(APPLICATION_EVENTS, event).data.applicationId],
  evolve(row: Row | null, recorded: RecordedEvent): Row | null {
    const event = readEvent(APPLICATION_EVENTS, recorded);
    const touched = { updated_at: recorded.recordedAt, revision: recorded.revision.toString() };
    switch (event.type) {
      case 'ApplicationSubmitted':
        return {
          application_id: event.data.applicationId,
          programme_id: event.data.programmeId,
          status: 'submitted',
          ...profileColumns(event.data.profile),
          submitted_at: event.data.submittedAt,
          amendments: 0,
          eligibility: null,
          rule_set: null,
          approved_amount_fen: null,
          final_score_hundredths: null,
          defense_invited: false,
          ...touched,
        };
      case 'ApplicationAmended':
        return row && { ...row, ...profileColumns(event.data.profile), amendments: Number(row.amendments) + 1, ...touched };
      case 'ApplicationWithdrawn':
        return row && { ...row, status: 'withdrawn', ...touched };
      case 'EligibilityAssessed': {
        const { ruleSet, outcome } = event.data.assessment;
        return row && { ...row, eligibility: outcome, rule_set: `${ruleSet.id}@${ruleSet.version}`, ...touched };
      }
      case 'ApplicationEndorsed':
        return row && { ...row, status: 'endorsed', ...touched };
      case 'ApplicationNotEndorsed':
        return row && { ...row, status: 'not-endorsed', ...touched };
      case 'ReviewPanelAssigned':
      case 'ReviewPanelDrawn':
        return row && { ...row, status: 'under-review', ...touched };
      case 'InvitedToDefense':
        return row && { ...row, status: 'invited-to-defense', defense_invited: true, ...touched };
      case 'ApplicationSelected':
        return row && { ...row, status: 'selected', approved_amount_fen: String(event.data.approvedAmountFen), final_score_hundredths: event.data.finalScoreHundredths, ...touched };
      case 'ApplicationNotSelected':
        return row && { ...row, status: 'not-selected', final_score_hundredths: event.data.finalScoreHundredths, ...touched };
      case 'ApplicationSelectionWithdrawn':
        return row && { ...row, status: 'not-selected', approved_amount_fen: null, ...touched };
      case 'ReviewRequestDecided':
        // Upheld reopens the decision: under review again (or invited to defense), as the application state says.
        return row && (event.data.outcome === 'upheld' && row.status === 'not-selected' ? { ...row, status: row.defense_invited ? 'invited-to-defense' : 'under-review', ...touched } : { ...row, ...touched });
      default:
        return row;
    }
  },
};

function profileColumns(profile: ApplicationProfile): Row {
  return {
    district: profile.enterprise.district,
    credit_code: profile.enterprise.creditCode,
    enterprise_name: profile.enterprise.name,
    project_title: profile.project.title,
    requested_amount_fen: String(profile.project.requestedAmountFen),
  };
}
