export * from './projections/applications.projection';
export * from './projections/grants.projection';
export * from './projections/programmes.projection';
export * from './projections/expert-assignments.projection';
export * from './all-projections';
export * from './projections.module';
