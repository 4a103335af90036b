export * from './runner/projection';
export * from './runner/projection-writer';
export * from './runner/projection-runner';
export * from './projections/applications.projection';
export * from './projections/application-history.projection';
export * from './projections/grants.projection';
export * from './all-projections';
export * from './projections.module';
