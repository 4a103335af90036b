export * from './domain';
export * from './applications.module';
export * from './rules.module';
export { RuleCatalog, readRuleCatalog } from './application/rules/rule-catalog';
export { applicationSpec, loadOpenProgramme, loadApplication, programmeSpec } from './application/streams';
export { applicationView } from './application/views';
export { canReadApplication } from './application/access';
export { RecordFactDto } from './application/enterprise-facts/record-fact.dto';
export { RecordEnterpriseFactCommand, RecordEnterpriseFactHandler, RecordFactResult } from './application/enterprise-facts/record-fact.handler';
