import { resolve } from 'node:path';

export type EventStoreKind = 'postgres' | 'eventstoredb';

/** Runtime settings, parsed and checked once at start. */
/** The default origin of the log's checkpoints; deployments set AUDIT_LOG_ORIGIN to a name of their own. */
export const DEFAULT_LOG_ORIGIN = 'ipstd-funding/audit-log';

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Null: start the embedded PostgreSQL in dataDir. */
  readonly databaseUrl: string | null;
  /**
   * MIGRATION_DATABASE_URL: the owner role that runs the event store's migrations and grants the
   * application role (DATABASE_URL's user) what it may do. Null: the migrations run as DATABASE_URL's
   * user (one role for both; es_events is then guarded by its trigger only). Needs DATABASE_URL.
   */
  readonly migrationDatabaseUrl: string | null;
  /** Null: the embedded PostgreSQL listens only on a Unix socket in dataDir; a number: also on 127.0.0.1:<port>. */
  readonly embeddedPostgresPort: number | null;
  readonly eventStore: EventStoreKind;
  readonly eventStoreDbUrl: string | null;
  readonly kafkaBrokers: readonly string[];
  /** The integration gateway's Kafka settings; it runs only when kafkaBrokers is not empty. */
  readonly kafka: {
    readonly clientId: string;
    /** Topic names start with this: `<prefix>.applications`, `<prefix>.inbound.credit-status`, … */
    readonly topicPrefix: string;
    readonly consumerGroup: string;
    /** Partitions and replication factor of the topics the gateway creates when they are missing. */
    readonly partitions: number;
    readonly replicationFactor: number;
    /** retention.ms of the outbound topics it creates (-1: keep forever). */
    readonly retentionMs: number;
    /** Log events read and published per relay batch. */
    readonly relayBatchSize: number;
  };
  readonly auth: {
    /** Shared HS256 secret; when neither this nor a JWKS URL is set, a key is generated into dataDir. */
    readonly hs256Secret: string | null;
    readonly jwksUrl: string | null;
    readonly issuer: string | null;
    readonly audience: string | null;
    /** Tolerance for clocks that disagree, applied to a token's exp and nbf (AUTH_CLOCK_SKEW_SECONDS). */
    readonly clockSkewSeconds: number;
    /** A fetched JWKS is used this long, then fetched again (AUTH_JWKS_CACHE_SECONDS). */
    readonly jwksCacheSeconds: number;
    /** An unknown key id refetches the JWKS at most once per this many seconds (AUTH_JWKS_COOLDOWN_SECONDS). */
    readonly jwksCooldownSeconds: number;
  };
  readonly bodyLimit: string;
  /** Deepest nesting of arrays and objects accepted in a JSON body. */
  readonly bodyMaxDepth: number;
  /** The HTTP edge (docs/api-guide.md, "Limits and throttling"; ADR 0010). */
  readonly http: {
    /** Time a client has to send the request line and headers (Node's server.headersTimeout). */
    readonly headersTimeoutMs: number;
    /** Time a client has to send a whole request, body included (server.requestTimeout). */
    readonly requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open between requests. */
    readonly keepAliveTimeoutMs: number;
    /** Express `trust proxy`: how many reverse proxies in front may set X-Forwarded-For (0: none). */
    readonly trustProxyHops: number;
  };
  /** @nestjs/throttler limits: requests per window, per client IP (before authentication) and per token subject. */
  readonly throttle: { readonly windowSeconds: number; readonly ipLimit: number; readonly subjectLimit: number };
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly projectionPollMs: number;
  /** Stored responses of Idempotency-Key requests are kept this long. */
  readonly idempotencyRetentionHours: number;
  /** How often the scheduled check looks for clawbacks past their due date. */
  readonly clawbackCheckIntervalMs: number;
  /** How often the reminder scheduler looks for reminders whose time has come on the clock (REMINDER_CHECK_INTERVAL_MS). */
  readonly reminderCheckIntervalMs: number;
  /** How often the reconciler looks for budget commitments whose selection was never recorded. */
  readonly selectionReconcileIntervalMs: number;
  /** How often the grant awarder looks for public notices whose period has ended (公示期满). */
  readonly noticeCheckIntervalMs: number;
  /** Integrity checkpoints sealing the global log: every N events or T seconds, whichever first. */
  readonly audit: {
    readonly autoSeal: boolean;
    readonly checkpointEveryEvents: number;
    readonly checkpointEverySeconds: number;
    readonly batchSize: number;
    /** AUDIT_SIGNING_KEY_FILE: the Ed25519 key (PKCS#8 PEM) signing the log's checkpoints; null = DATA_DIR/audit/log-signing.key, generated on first start. */
    readonly signingKeyFile: string | null;
    /** AUDIT_LOG_ORIGIN: the checkpoint origin line and key name. */
    readonly logOrigin: string;
    /** AUDIT_RETIRED_VERIFIER_KEYS: verifier keys of earlier signing keys, comma-separated, still listed by GET /v1/audit/keys. */
    readonly retiredVerifierKeys: readonly string[];
    /** AUDIT_CHECKPOINT_PUBLISH_SECONDS: how often a signed checkpoint is published (integration event) when the log grew since the last one. */
    readonly publishEverySeconds: number;
    /** AUDIT_WITNESS_KEYS: comma-separated cosigner keys (C2SP tlog-cosignature vkeys, type 0x04) of the witnesses whose cosignatures are accepted. */
    readonly witnessKeys: readonly string[];
    /** AUDIT_SM2_KEY_FILE: the SM2 key adding a second (SM2/SM3) signature line to checkpoints; null = DATA_DIR/audit/log-signing-sm2.key if present, else none. */
    readonly sm2KeyFile: string | null;
  };
  readonly shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got ${JSON.stringify(raw)})`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} must be true or false (got ${JSON.stringify(raw)})`);
    return fallback;
  };
  const text = (name: string): string | null => (env[name] && env[name]!.trim() !== '' ? env[name]!.trim() : null);

  const eventStore = (text('EVENT_STORE') ?? 'postgres') as EventStoreKind;
  if (eventStore !== 'postgres' && eventStore !== 'eventstoredb') problems.push(`EVENT_STORE must be 'postgres' or 'eventstoredb' (got ${JSON.stringify(eventStore)})`);
  const eventStoreDbUrl = text('EVENTSTOREDB_URL');
  if (eventStore === 'eventstoredb' && !eventStoreDbUrl) problems.push("EVENT_STORE=eventstoredb needs EVENTSTOREDB_URL (e.g. esdb://localhost:2113?tls=false)");
  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// connection string');
  const migrationDatabaseUrl = text('MIGRATION_DATABASE_URL');
  if (migrationDatabaseUrl && !/^postgres(ql)?:\/\//.test(migrationDatabaseUrl)) problems.push('MIGRATION_DATABASE_URL must be a postgres:// connection string');
  if (migrationDatabaseUrl && !databaseUrl) problems.push('MIGRATION_DATABASE_URL needs DATABASE_URL (the embedded default creates and uses its own owner and application roles)');
  const logLevel = (text('LOG_LEVEL') ?? 'info') as AppConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push('LOG_LEVEL must be debug, info, warn or error');
  const bodyLimit = text('BODY_LIMIT') ?? '1mb';
  if (!/^\d+(kb|mb)$/.test(bodyLimit)) problems.push('BODY_LIMIT must look like 512kb or 1mb');

  const config: AppConfig = {
    port: int('PORT', 3000, 0, 65535),
    host: text('HOST') ?? '0.0.0.0',
    dataDir: resolve(text('DATA_DIR') ?? './data'),
    databaseUrl,
    migrationDatabaseUrl,
    embeddedPostgresPort: text('EMBEDDED_PG_PORT') === null ? null : int('EMBEDDED_PG_PORT', 0, 1024, 65535),
    eventStore,
    eventStoreDbUrl,
    kafkaBrokers: (text('KAFKA_BROKERS') ?? '').split(',').map((b) => b.trim()).filter(Boolean),
    kafka: {
      clientId: text('KAFKA_CLIENT_ID') ?? 'ipstd',
      topicPrefix: topicPrefix(text('KAFKA_TOPIC_PREFIX') ?? 'ipstd', problems),
      consumerGroup: text('KAFKA_CONSUMER_GROUP') ?? `${text('KAFKA_TOPIC_PREFIX') ?? 'ipstd'}-integration-gateway`,
      partitions: int('KAFKA_TOPIC_PARTITIONS', 6, 1, 1000),
      replicationFactor: int('KAFKA_REPLICATION_FACTOR', 1, 1, 10),
      retentionMs: int('KAFKA_RETENTION_MS', 90 * 86_400_000, -1, Number.MAX_SAFE_INTEGER),
      relayBatchSize: int('KAFKA_RELAY_BATCH_SIZE', 1000, 1, 10_000),
    },
    auth: {
      hs256Secret: text('AUTH_HS256_SECRET'),
      jwksUrl: text('AUTH_JWKS_URL'),
      issuer: text('AUTH_ISSUER'),
      audience: text('AUTH_AUDIENCE'),
      clockSkewSeconds: int('AUTH_CLOCK_SKEW_SECONDS', 60, 0, 300),
      jwksCacheSeconds: int('AUTH_JWKS_CACHE_SECONDS', 600, 10, 86_400),
      jwksCooldownSeconds: int('AUTH_JWKS_COOLDOWN_SECONDS', 30, 0, 3600),
    },
    bodyLimit,
    bodyMaxDepth: int('BODY_MAX_DEPTH', 32, 2, 512),
    http: {
      headersTimeoutMs: int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, 300_000),
      requestTimeoutMs: int('HTTP_REQUEST_TIMEOUT_MS', 60_000, 1000, 3_600_000),
      keepAliveTimeoutMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 300_000),
      trustProxyHops: int('TRUST_PROXY_HOPS', 0, 0, 10),
    },
    throttle: {
      windowSeconds: int('THROTTLE_WINDOW_SECONDS', 60, 1, 3600),
      ipLimit: int('THROTTLE_IP_LIMIT', 3000, 1, 10_000_000),
      subjectLimit: int('THROTTLE_SUBJECT_LIMIT', 1200, 1, 10_000_000),
    },
    logLevel,
    projectionPollMs: int('PROJECTION_POLL_MS', 250, 10, 60_000),
    idempotencyRetentionHours: int('IDEMPOTENCY_RETENTION_HOURS', 168, 1, 24 * 366),
    clawbackCheckIntervalMs: int('CLAWBACK_CHECK_INTERVAL_MS', 3_600_000, 1000, 86_400_000),
    reminderCheckIntervalMs: int('REMINDER_CHECK_INTERVAL_MS', 60_000, 50, 86_400_000),
    selectionReconcileIntervalMs: int('SELECTION_RECONCILE_INTERVAL_MS', 60_000, 1000, 86_400_000),
    noticeCheckIntervalMs: int('NOTICE_CHECK_INTERVAL_MS', 60_000, 1000, 86_400_000),
    audit: {
      autoSeal: bool('AUDIT_AUTO_SEAL', true),
      checkpointEveryEvents: int('AUDIT_CHECKPOINT_EVERY_EVENTS', 1000, 1, 10_000_000),
      checkpointEverySeconds: int('AUDIT_CHECKPOINT_EVERY_SECONDS', 60, 1, 86_400),
      batchSize: int('AUDIT_BATCH_SIZE', 1000, 10, 100_000),
      signingKeyFile: text('AUDIT_SIGNING_KEY_FILE') === null ? null : resolve(text('AUDIT_SIGNING_KEY_FILE')!),
      logOrigin: text('AUDIT_LOG_ORIGIN') ?? DEFAULT_LOG_ORIGIN,
      retiredVerifierKeys: (text('AUDIT_RETIRED_VERIFIER_KEYS') ?? '').split(',').map((k) => k.trim()).filter(Boolean),
      publishEverySeconds: int('AUDIT_CHECKPOINT_PUBLISH_SECONDS', 300, 1, 86_400),
      witnessKeys: (text('AUDIT_WITNESS_KEYS') ?? '').split(',').map((k) => k.trim()).filter(Boolean),
      sm2KeyFile: text('AUDIT_SM2_KEY_FILE') === null ? null : resolve(text('AUDIT_SM2_KEY_FILE')!),
    },
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0, 120_000),
  };
  if (config.auth.hs256Secret && config.auth.hs256Secret.length < 32) problems.push('AUTH_HS256_SECRET must be at least 32 characters');
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  if (config.auth.jwksUrl && !/^https?:\/\/[^\s]+$/.test(config.auth.jwksUrl)) problems.push('AUTH_JWKS_URL must be an http(s) URL');
  if (/[\s+]/u.test(config.audit.logOrigin)) problems.push("AUDIT_LOG_ORIGIN may not hold spaces or '+' (it is the checkpoint's origin line and key name, e.g. audit.example.gov.cn/ipstd)");
  for (const key of config.audit.retiredVerifierKeys) if (!/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(key)) problems.push(`AUDIT_RETIRED_VERIFIER_KEYS: ${JSON.stringify(key)} is not a verifier key (name+hexkeyhash+base64key)`);
  for (const key of config.audit.witnessKeys) if (!/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(key)) problems.push(`AUDIT_WITNESS_KEYS: ${JSON.stringify(key)} is not a cosigner key (name+hexkeyid+base64key)`);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function topicPrefix(value: string, problems: string[]): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,100}$/.test(value)) problems.push('KAFKA_TOPIC_PREFIX may hold only letters, digits, dots, dashes and underscores');
  return value;
}
