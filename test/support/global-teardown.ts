import { rmSync } from 'node:fs';
import { join } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const stops = ((globalThis as Record<string, unknown>).__IPSTD_TEST_STOPS__ ?? []) as Array<() => Promise<void>>;
  for (const stop of stops.reverse()) await stop().catch((e) => console.error('[test-teardown]', e));
  rmSync(join(process.cwd(), '.test-cache', `pg-${process.pid}`), { recursive: true, force: true });
  rmSync(join(process.cwd(), '.test-cache', `kafka-${process.pid}`), { recursive: true, force: true });
}
