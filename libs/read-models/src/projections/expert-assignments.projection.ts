import { RecordedEvent } from '@ipstd/event-store';
import { domainEventOf, readEvent } from '@ipstd/platform';
import { APPLICATION_EVENTS, ApplicationState, applicationDecider } from '@ipstd/applications';
import { KeyedProjection, Row } from '@ipstd/platform';

/** One expert's work on one application: the review, and the defense once the application is invited. */
export interface ExpertAssignment {
  readonly expertId: string;
  readonly review: { readonly submitted: boolean; readonly closed: boolean };
  readonly defense: { readonly roundId: string; readonly submitted: boolean } | null;
}

/**
 * Review and defense assignments per application, for GET /v1/experts/me/assignments. The row keeps
 * the application's folded state (the domain's own evolve), and `experts` lists the panel members who
 * have not declared a conflict, so the query finds an expert's rows with one jsonb containment test.
 */
export const expertAssignmentsProjection: KeyedProjection = {
  kind: 'keyed',
  name: 'expert-assignments',
  version: 1,
  table: {
    name: 'rm_expert_assignments',
    columns: {
      application_id: 'text',
      programme_id: 'text',
      status: 'text',
      project_title: 'text',
      experts: 'jsonb',
      assignments: 'jsonb',
      assigned_at: 'timestamptz',
      updated_at: 'timestamptz',
      revision: 'bigint',
      state: 'jsonb',
    },
    primaryKey: ['application_id'],
    indexes: [['programme_id']],
  },
  handles: Object.keys(APPLICATION_EVENTS),
  keyOf: (event) => [readEvent(APPLICATION_EVENTS, event).data.applicationId],
  evolve(row: Row | null, recorded: RecordedEvent): Row | null {
    const before = (row?.state as ApplicationState | undefined) ?? applicationDecider.initialState();
    const state = applicationDecider.evolve(before, domainEventOf(readEvent(APPLICATION_EVENTS, recorded)));
    if (state.status === 'none') return null;
    const review = state.review;
    const active = review ? review.experts.filter((e) => !review.conflicted.includes(e.expertId)).map((e) => e.expertId) : [];
    const closed = review?.aggregateHundredths !== null && review?.aggregateHundredths !== undefined;
    const assignments: ExpertAssignment[] = active.map((expertId) => ({
      expertId,
      review: { submitted: review!.scores[expertId] !== undefined, closed },
      defense: state.defense ? { roundId: state.defense.roundId, submitted: state.defense.scores[expertId] !== undefined } : null,
    }));
    const panelChanged = recorded.type === 'ReviewPanelAssigned' || recorded.type === 'ReviewPanelDrawn' || recorded.type === 'ReserveExpertAssigned';
    return {
      application_id: state.applicationId,
      programme_id: state.programmeId,
      status: state.status,
      project_title: state.profile.project.title,
      experts: active,
      assignments,
      assigned_at: panelChanged ? recorded.recordedAt : (row?.assigned_at ?? null),
      updated_at: recorded.recordedAt,
      revision: recorded.revision.toString(),
      state,
    };
  },
};
