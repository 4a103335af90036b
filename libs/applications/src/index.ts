export * from './domain';
export * from './applications.module';
export * from './rules.module';
export { RuleCatalog, readRuleCatalog } from './application/rules/rule-catalog';
export { applicationSpec, loadOpenProgramme, loadApplication, programmeSpec } from './application/streams';
export { applicationView } from './application/views';
export { canReadApplication } from './application/access';
