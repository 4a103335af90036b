import { LogSealerOptions } from './sealer/log-sealer';

export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');

export interface AuditModuleOptions {
  /** Seal on thresholds in the background (default true); sealNow() works either way. */
  readonly autoSeal: boolean;
  /** Seal after this many unsealed events (default 1000). */
  readonly checkpointEveryEvents: number;
  /** Seal when the oldest unsealed event is this many seconds old (default 60). */
  readonly checkpointEverySeconds: number;
  /** Events read per query by the sealer, the verifier and exports (default 1000). */
  readonly batchSize: number;
  /** The Ed25519 key signing tree checkpoints (PKCS#8 PEM); null = DATA_DIR/audit/log-signing.key, generated on first start. */
  readonly signingKeyFile: string | null;
  /** Origin line of the checkpoints and name of the signing key. */
  readonly logOrigin: string;
  /** Verifier keys of retired signing keys, still listed by GET /v1/audit/keys. */
  readonly retiredVerifierKeys: readonly string[];
  /** How often a signed checkpoint is published as an integration event when the log grew (AUDIT_CHECKPOINT_PUBLISH_SECONDS, default 300). */
  readonly publishEverySeconds: number;
  /** Cosigner verifier keys (C2SP tlog-cosignature, `name+hexkeyid+base64(0x04 ‖ key)`) of the witnesses whose cosignatures are accepted (AUDIT_WITNESS_KEYS). */
  readonly witnessKeys: readonly string[];
  /** The SM2 key (AUDIT_SM2_KEY_FILE) for a second signature line; null = DATA_DIR/audit/log-signing-sm2.key when that file exists, else no SM2 line. */
  readonly sm2KeyFile: string | null;
}

export const DEFAULT_AUDIT_OPTIONS: AuditModuleOptions = {
  autoSeal: true,
  checkpointEveryEvents: 1000,
  checkpointEverySeconds: 60,
  batchSize: 1000,
  signingKeyFile: null,
  logOrigin: 'ipstd-funding/audit-log',
  retiredVerifierKeys: [],
  publishEverySeconds: 300,
  witnessKeys: [],
  sm2KeyFile: null,
};

export function sealerOptionsOf(options: AuditModuleOptions): LogSealerOptions {
  return { everyEvents: options.checkpointEveryEvents, everySeconds: options.checkpointEverySeconds, batchSize: options.batchSize };
}
