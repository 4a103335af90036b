import { applicationHistoryProjection } from '@ipstd/audit';
import { applicationsProjection } from './projections/applications.projection';
import { evaluationsProjection } from './projections/evaluations.projection';
import { grantsProjection } from './projections/grants.projection';
import { programmesProjection } from './projections/programmes.projection';
import { expertAssignmentsProjection } from './projections/expert-assignments.projection';
import { FINANCE_PROJECTIONS } from '@ipstd/finance';

/** Every projection this build maintains. */
export const ALL_PROJECTIONS = [applicationsProjection, applicationHistoryProjection, grantsProjection, evaluationsProjection, programmesProjection, expertAssignmentsProjection, ...FINANCE_PROJECTIONS];
