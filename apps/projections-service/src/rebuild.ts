import { ConfigError, ProjectionRunner, createRuntime, loadConfig } from '@ipstd/platform';
import { ALL_PROJECTIONS } from '@ipstd/read-models';

/**
 * `npm run rebuild-read-models [-- NAME ...]`: replays the whole log into fresh tables and swaps them
 * in. Safe while the service runs against the same DATABASE_URL; in the embedded default stop the
 * service first (the embedded database belongs to one process).
 */
async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const config = loadConfig();
  const runtime = await createRuntime(config);
  try {
    const runner = new ProjectionRunner(runtime.pool, runtime.store, ALL_PROJECTIONS);
    await runner.prepare();
    const unknown = names.filter((n) => !ALL_PROJECTIONS.some((p) => p.name === n));
    if (unknown.length) throw new Error(`unknown projection(s): ${unknown.join(', ')}; known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
    const started = Date.now();
    let lastReport = 0;
    await runner.rebuild(names.length ? names : undefined, (position, head) => {
      if (Date.now() - lastReport > 1000) {
        lastReport = Date.now();
        process.stdout.write(`  ${position}/${head} events\n`);
      }
    });
    process.stdout.write(`rebuilt ${names.length ? names.join(', ') : 'all read models'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await runtime.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
