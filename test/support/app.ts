import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import request from 'supertest';
import { ManualClock } from '@ipstd/kernel';
import { AppConfig, Principal, ProjectionRunner, Runtime, configureHttpApp, createLogger, createRuntime, loadConfig, signHs256, silentLogger } from '@ipstd/platform';
import { StandaloneModule } from '../../apps/standalone/src/standalone.module';
import { TestDatabase, TestRoles, createTestDatabase, createTestRoles } from './postgres';

/** The HS256 secret of the test apps, for tests that sign tokens by hand (token attacks). */
export const TEST_SECRET = 'test-secret-for-e2e-suites-only-0123456789';
const SECRET = TEST_SECRET;

export interface TestApp {
  readonly app: INestApplication;
  readonly http: ReturnType<typeof request>;
  readonly runtime: Runtime;
  readonly config: AppConfig;
  readonly clock: ManualClock;
  readonly db: TestDatabase;
  /** With `roles: true`: the owner and application roles the app runs as (else null: one superuser). */
  readonly roles: TestRoles | null;
  /** A token valid for a year of the test clock unless ttlSeconds says otherwise. */
  token(principal: Partial<Principal> & Pick<Principal, 'role'>, ttlSeconds?: number): string;
  /** Waits until every projection has applied the whole log. */
  projectionsCaughtUp(): Promise<void>;
  close(): Promise<void>;
}

/** The standalone app on a fresh database, with a clock the test moves. */
export async function startTestApp(options: { now?: string; env?: Record<string, string>; logLines?: string[]; roles?: boolean; database?: TestDatabase } = {}): Promise<TestApp> {
  // `database`: start on the database of an earlier app (a restart); closing this app then leaves it in place.
  const db = options.database ?? (await createTestDatabase('e2e'));
  // roles: the app connects as an application role and migrates the event store as an owner role
  // (DATABASE_URL and MIGRATION_DATABASE_URL), as production does; otherwise as the superuser.
  const roles = options.roles ? await createTestRoles(db) : null;
  const dataDir = mkdtempSync(join(tmpdir(), 'ipstd-e2e-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: roles ? roles.appUrl : db.url,
    ...(roles ? { MIGRATION_DATABASE_URL: roles.ownerUrl } : {}),
    AUTH_HS256_SECRET: SECRET,
    PROJECTION_POLL_MS: '20',
    BODY_LIMIT: '256kb',
    // Checkpoints are sealed by tests that want them (sealNow), never behind a test's back.
    AUDIT_AUTO_SEAL: 'false',
    // Suites send bursts from one address; the throttling suite sets its own limits.
    THROTTLE_IP_LIMIT: '1000000',
    THROTTLE_SUBJECT_LIMIT: '1000000',
    ...options.env,
  });
  const clock = new ManualClock(options.now ?? '2024-11-01T02:00:00Z');
  // Logs are silent unless the test collects them (logLines: one JSON line per entry, as production writes them).
  const logger = options.logLines ? createLogger(config.logLevel, { write: (line: string) => void options.logLines!.push(line) }) : silentLogger();
  const runtime = await createRuntime(config, { clock, pool: roles ? undefined : db.pool, logger });
  const app = await NestFactory.create(StandaloneModule.register(runtime), { bodyParser: false, logger: false });
  if (options.logLines) app.useLogger(app.get(Logger));
  configureHttpApp(app, config, runtime.ids, { title: 'test' });
  await app.init();
  const runner = app.get(ProjectionRunner);
  return {
    app,
    http: request(app.getHttpServer()),
    runtime,
    config,
    clock,
    db,
    roles,
    token(principal, ttlSeconds = 365 * 24 * 3600) {
      const iat = Math.floor(clock.now().getTime() / 1000);
      return signHs256({ sub: principal.sub ?? `${principal.role}-user`, role: principal.role, org: principal.org, district: principal.district, city: principal.city, iat, exp: iat + ttlSeconds }, SECRET);
    },
    async projectionsCaughtUp() {
      const started = Date.now();
      for (;;) {
        const lag = await runner.lag();
        if (Object.values(lag.projections).every((l) => l === 0n)) return;
        if (Date.now() - started > 20_000) throw new Error(`projections did not catch up: ${JSON.stringify(Object.fromEntries(Object.entries(lag.projections).map(([k, v]) => [k, Number(v)])))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await app.close();
      await runtime.close();
      if (!options.database) await db.drop();
      await roles?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A supertest parser that keeps a streamed body (NDJSON exports, text/plain notes) as one string. */
export function asText(res: request.Response, done: (error: Error | null, body: string) => void): void {
  let text = '';
  const stream = res as unknown as NodeJS.ReadableStream & { setEncoding(encoding: BufferEncoding): void };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  stream.on('end', () => done(null, text));
}
