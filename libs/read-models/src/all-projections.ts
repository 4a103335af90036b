import { applicationHistoryProjection } from './projections/application-history.projection';
import { applicationsProjection } from './projections/applications.projection';

/** Every projection this build maintains. */
export const ALL_PROJECTIONS = [applicationsProjection, applicationHistoryProjection];
