import { applicationHistoryProjection } from './projections/application-history.projection';
import { applicationsProjection } from './projections/applications.projection';
import { evaluationsProjection } from './projections/evaluations.projection';
import { grantsProjection } from './projections/grants.projection';

/** Every projection this build maintains. */
export const ALL_PROJECTIONS = [applicationsProjection, applicationHistoryProjection, grantsProjection, evaluationsProjection];
