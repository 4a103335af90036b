import { AppConfig } from '@ipstd/platform';
import { LogSealerOptions } from './sealer/log-sealer';

export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');

/** The audit settings of the app's configuration (`AppConfig['audit']`, documented and defaulted in loadConfig). */
export type AuditModuleOptions = AppConfig['audit'];

export function sealerOptionsOf(options: AuditModuleOptions): LogSealerOptions {
  return { everyEvents: options.checkpointEveryEvents, everySeconds: options.checkpointEverySeconds, batchSize: options.batchSize };
}
