/**
 * Event store benchmark: `npm run bench`.
 *
 * In one run, on one fresh database, through the EventStore port (PostgreSQL adapter):
 *   1. single-event appends to new streams, 8 concurrent callers (events/s)
 *   2. sequential appends to one stream with the exact expected revision (appends/s)
 *   3. 10-event appends, 8 concurrent callers (events/s)
 *   4. catch-up read of a 1,000,000-event log through subscribeToAll (events/s)
 *   5. baseline: raw `pg` single-row BEGIN/INSERT/COMMIT transactions, 8 clients (rows/s)
 *   6. resident memory of the real standalone app once its projections caught up over that log
 *   7, 8, 12. memory of the whole-log NDJSON export in that app: heap unlimited, again, and with the V8 old space capped
 *   7./8. memory of exporting the whole log through that app, twice; 9. rebuilding every read model
 * Then, on a Kafka broker (KAFKA_BROKERS → Testcontainers → a local java broker, as the tests resolve
 * theirs) and in databases of their own on the same PostgreSQL server:
 *  10. the integration relay publishing a log of published events to Kafka (events/s), against a bare
 *      kafkajs producer sending the same records
 *  11. the built integration gateway applying inbound credit-status messages (messages/s), with the
 *      consumer lag, against a bare kafkajs consumer reading the same messages
 * Then the REST workload (#13–#16, test/bench/rest.ts): the built standalone app on a fresh database of
 * its own, every projection and worker live, driven over HTTP by BENCH_REST_CLIENTS (32) keep-alive
 * clients: BENCH_REST_SUBMISSIONS (3,000) submissions by as many enterprises, one amendment of each,
 * one read of each; requests/s with p50/p95/p99 per phase, the read models' catch-up time after the
 * submissions, and raw single-row commits on that database in the same run as the baseline.
 * #19, the REST ceiling, in each REST run before the app: a bare node:http server
 * (test/bench/ceiling-server.ts, its own process) parsing each submission's JSON and committing it as
 * one row through pg, on the same database, driven by the same load generator and clients.
 * #17/#18: 1-event appends and raw commits with BENCH_MANY_CALLERS (64) callers, next to #1/#5.
 * Every figure is the median of several runs. Results go to bench-results/ (git-ignored) and
 * docs/bench/latest.md. Exits 0 when targets are missed (the report says so), non-zero on errors.
 *
 * Environment knobs: BENCH_DATABASE_URL, BENCH_RUNS (default 5), BENCH_HEAVY_RUNS (catch-up,
 * standalone, rebuild and Kafka figures, default 3), BENCH_DURATION_MS (per throughput run, default
 * 4000), BENCH_LOG_EVENTS (default 1000000), BENCH_CALLERS (default 8), BENCH_RELAY_EVENTS (#10,
 * default 200000), BENCH_INBOUND_MESSAGES (#11, default 20000), BENCH_KAFKA_PARTITIONS (#10, #11,
 * default 6, the gateway's KAFKA_TOPIC_PARTITIONS default), KAFKA_BROKERS (use that broker).
 * BENCH_ONLY: a comma list of sections to run, the others are left out (default: all): append
 * (#1–#3, #5, #17, #18), catch-up (#4), standalone (#6–#8), rebuild (#9), relay (#10), inbound (#11),
 * kafka (= relay,inbound), rest (#13–#16, #19). A partial run prints its table and writes bench-results/,
 * and leaves docs/bench/latest.md alone. BENCH_APP_NODE_ARGS: node options for the REST section's
 * app (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the command path).
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { migrateEventStore } from '@ipstd/platform';
import { BenchDatabase, resolveBenchDatabase } from './database';
import { BenchReport, Figure, markdownTable, writeReport } from './report';
import { BENCH_SECRET, killRunningServers, measureStandalone, startCeilingServer, startStandalone } from './standalone';
import { CeilingMeasurement, LatencySummary, RestMeasurement, ceilingWorkload, restWorkload } from './rest';
import { freshDatabase } from './database';
import { ProfileShare, describeShares, readProfile, summariseProfile } from './profile';
import { KafkaBenchResult, abortKafka, kafkaUnavailableReason, measureKafka } from './kafka';
import { RebuildMeasurement, measureRebuild } from './rebuild';
import { createProgress, formatDuration, formatNumber, median } from './stats';
import {
  Measurement,
  RAW_TABLE_SQL,
  catchUp,
  fillLog,
  multiEventAppends,
  rawSingleRowCommits,
  sequentialExactRevision,
  singleEventAppends,
} from './workload';

const REPO_ROOT = resolve(__dirname, '../../..');
const MiB = 1024 * 1024;
/** #12: the export runs in a process whose V8 old space is capped at this (node --max-old-space-size). */
const EXPORT_HEAP_CAP_MIB = 64;

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

const SECTIONS = ['append', 'catch-up', 'standalone', 'rebuild', 'relay', 'inbound', 'rest'] as const;
type Section = (typeof SECTIONS)[number];
const SECTION_ALIASES: Readonly<Record<string, readonly Section[]>> = { kafka: ['relay', 'inbound'] };

/** BENCH_ONLY as a set of sections; every section when it is not set. */
function sectionsFromEnv(): ReadonlySet<Section> {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return new Set(SECTIONS);
  const chosen = new Set<Section>();
  for (const name of raw.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean)) {
    const sections = SECTION_ALIASES[name] ?? ((SECTIONS as readonly string[]).includes(name) ? [name as Section] : null);
    if (!sections) throw new Error(`BENCH_ONLY: unknown section ${JSON.stringify(name)} (known: ${[...SECTIONS, ...Object.keys(SECTION_ALIASES)].join(', ')})`);
    sections.forEach((section) => chosen.add(section));
  }
  if (chosen.size === 0) throw new Error('BENCH_ONLY names no section');
  return chosen;
}

const sections = sectionsFromEnv();
const runs = (section: Section): boolean => sections.has(section);
const partial = sections.size < SECTIONS.length ? `BENCH_ONLY=${process.env.BENCH_ONLY?.trim()}` : undefined;

const settings = {
  runs: intFromEnv('BENCH_RUNS', 5, 1),
  heavyRuns: intFromEnv('BENCH_HEAVY_RUNS', 3, 1),
  durationMs: intFromEnv('BENCH_DURATION_MS', 4000, 200),
  logEvents: intFromEnv('BENCH_LOG_EVENTS', 1_000_000, 1000),
  callers: intFromEnv('BENCH_CALLERS', 8, 1),
  manyCallers: intFromEnv('BENCH_MANY_CALLERS', 64, 1),
  restSubmissions: intFromEnv('BENCH_REST_SUBMISSIONS', 3000, 10),
  restClients: intFromEnv('BENCH_REST_CLIENTS', 32, 1),
  relayEvents: intFromEnv('BENCH_RELAY_EVENTS', 200_000, 1000),
  inboundMessages: intFromEnv('BENCH_INBOUND_MESSAGES', 20_000, 100),
  kafkaPartitions: intFromEnv('BENCH_KAFKA_PARTITIONS', 6, 1),
  /** KAFKA_RELAY_BATCH_SIZE's default. */
  relayBatchSize: 1000,
  eventsPerMultiAppend: 10,
  fillAppendSize: 100,
  fillCallers: 16,
  standaloneTimeoutMs: 300_000,
};

const progress = createProgress();
/** BENCH_APP_NODE_ARGS: options for node in the REST section's app, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const appNodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function rate(m: Measurement, unit: string): string {
  return `${formatNumber(m.perSecond)} ${unit} (${formatNumber(m.units)} in ${formatDuration(m.elapsedMs)})`;
}

function gitCommit(): string {
  try {
    const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  progress(`event store benchmark: ${JSON.stringify(settings)}`);
  if (partial) progress(`${partial}: running only ${[...sections].join(', ')}`);
  const kafkaSections = runs('relay') || runs('inbound');
  if (kafkaSections) {
    // Fail before the long event-store sections rather than after them.
    const reason = kafkaUnavailableReason();
    if (reason) {
      throw new Error(`no Kafka broker for the Kafka figures (#10, #11): ${reason}; or leave them out with BENCH_ONLY=append,catch-up,standalone,rebuild`);
    }
  }
  let database: BenchDatabase | null = null;
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    killRunningServers();
    await abortKafka();
    if (!database) return;
    progress(`dropping the bench database (${database.label})`);
    await database.dispose();
  };
  process.once('SIGINT', () => {
    progress('interrupted: cleaning up');
    void dispose().finally(() => process.exit(130));
  });

  try {
    database = await resolveBenchDatabase(progress);
    progress(`database: ${database.source}: ${database.label}`);
    const pool = new Pool({ connectionString: database.url, max: 20 });
    pool.on('error', () => undefined); // idle clients cut off when the database is dropped after a failure
    const store = new PostgresEventStore(pool);
    await migrateEventStore(pool);
    await pool.query(RAW_TABLE_SQL);
    const server = await serverInfo(pool);

    const raw: Measurement[] = [];
    const single: Measurement[] = [];
    const sequential: Measurement[] = [];
    const multi: Measurement[] = [];
    const rawMany: Measurement[] = [];
    const singleMany: Measurement[] = [];

    if (runs('append')) {
      progress('warm-up (not measured)');
      await rawSingleRowCommits(database.url, 'warmup', 2000, settings.callers);
      await singleEventAppends(store, 'warmup', 2000, settings.callers);
      await multiEventAppends(store, 'warmup', 500, settings.callers, settings.eventsPerMultiAppend);

      for (let run = 1; run <= settings.runs; run++) {
        const tag = `r${run}`;
        gc();
        raw.push(await rawSingleRowCommits(database.url, tag, settings.durationMs, settings.callers));
        progress(`run ${run}/${settings.runs}: raw single-row commits, ${settings.callers} clients: ${rate(raw[raw.length - 1], 'rows/s')}`);
        gc();
        single.push(await singleEventAppends(store, tag, settings.durationMs, settings.callers));
        progress(`run ${run}/${settings.runs}: 1-event appends, ${settings.callers} callers: ${rate(single[single.length - 1], 'events/s')}`);
        gc();
        sequential.push(await sequentialExactRevision(store, tag, settings.durationMs));
        progress(`run ${run}/${settings.runs}: sequential appends, exact revision: ${rate(sequential[sequential.length - 1], 'appends/s')}`);
        gc();
        multi.push(await multiEventAppends(store, tag, settings.durationMs, settings.callers, settings.eventsPerMultiAppend));
        progress(`run ${run}/${settings.runs}: ${settings.eventsPerMultiAppend}-event appends, ${settings.callers} callers: ${rate(multi[multi.length - 1], 'events/s')}`);
        gc();
        rawMany.push(await rawSingleRowCommits(database.url, `${tag}m`, settings.durationMs, settings.manyCallers));
        progress(`run ${run}/${settings.runs}: raw single-row commits, ${settings.manyCallers} clients: ${rate(rawMany[rawMany.length - 1], 'rows/s')}`);
        gc();
        singleMany.push(await singleEventAppends(store, `${tag}m`, settings.durationMs, settings.manyCallers));
        progress(`run ${run}/${settings.runs}: 1-event appends, ${settings.manyCallers} callers: ${rate(singleMany[singleMany.length - 1], 'events/s')}`);
      }
    }

    // #4, #6–#9 work on the filled log.
    const needsLog = runs('catch-up') || runs('standalone') || runs('rebuild');
    let count = 0;
    let head = 0n;
    let fill: Measurement | null = null;
    if (needsLog) {
      const existing = Number((await pool.query<{ n: string }>('select count(*) as n from es_events')).rows[0].n);
      if (existing > settings.logEvents) progress(`the runs above already wrote ${formatNumber(existing)} events, more than ${formatNumber(settings.logEvents)}: #4 and #6 use that larger log`);
      const toFill = Math.max(0, settings.logEvents - existing);
      progress(`filling the log: ${formatNumber(existing)} events from the runs above + ${formatNumber(toFill)} in ${settings.fillAppendSize}-event appends through the port (${settings.fillCallers} callers)`);
      fill = await fillLog(store, toFill, settings.fillAppendSize, settings.fillCallers, (done) =>
        progress(`  filled ${formatNumber(done)} / ${formatNumber(toFill)}`),
      );
      progress(`filled: ${rate(fill, 'events/s')}`);
      count = Number((await pool.query<{ n: string }>('select count(*) as n from es_events')).rows[0].n);
      if (count !== Math.max(existing, settings.logEvents)) throw new Error(`log holds ${count} events, expected ${Math.max(existing, settings.logEvents)}`);
      progress('vacuum analyze after the bulk load');
      await pool.query('vacuum (analyze) es_events');
      head = await store.headPosition();
    }

    const catchUps: Array<Measurement & { batches: number }> = [];
    if (runs('catch-up')) {
      for (let run = 1; run <= settings.heavyRuns; run++) {
        gc();
        catchUps.push(await catchUp(store, count, undefined));
        const m = catchUps[catchUps.length - 1];
        progress(`run ${run}/${settings.heavyRuns}: catch-up through subscribeToAll: ${rate(m, 'events/s')}, ${formatNumber(m.batches)} batches`);
      }
    }
    progress('closing the event store');
    await store.close();
    await pool.end();

    const standalone: Awaited<ReturnType<typeof measureStandalone>>[] = [];
    const capped: Awaited<ReturnType<typeof measureStandalone>>[] = [];
    if (runs('standalone')) {
      const tablesBefore = await listTables(database.url);
      let appTables: string[] = [];
      for (let run = 1; run <= settings.heavyRuns; run++) {
        if (run > 1) await truncate(database.url, appTables);
        progress(`run ${run}/${settings.heavyRuns}: starting the standalone app on the ${formatNumber(count)}-event log`);
        const m = await measureStandalone({ repoRoot: REPO_ROOT, databaseUrl: database.url, expectedHead: head, timeoutMs: settings.standaloneTimeoutMs, log: progress });
        standalone.push(m);
        progress(
          `run ${run}/${settings.heavyRuns}: standalone caught up in ${formatDuration(m.readyMs)} (listening after ${formatDuration(m.startMs)}): ` +
            `VmRSS ${formatNumber(m.rssBytes / MiB, 1)} MiB, VmHWM ${formatNumber(m.peakRssBytes / MiB, 1)} MiB`,
        );
        if (run === 1) {
          const after = await listTables(database.url);
          appTables = after.filter((t) => !tablesBefore.includes(t));
        }
        progress(`run ${run}/${settings.heavyRuns}: the same app again with its V8 old space capped at ${EXPORT_HEAP_CAP_MIB} MiB, exporting the whole log once`);
        const c = await measureStandalone({
          repoRoot: REPO_ROOT,
          databaseUrl: database.url,
          expectedHead: head,
          timeoutMs: settings.standaloneTimeoutMs,
          log: progress,
          nodeArgs: [`--max-old-space-size=${EXPORT_HEAP_CAP_MIB}`],
          secondExport: false,
        });
        capped.push(c);
        progress(`run ${run}/${settings.heavyRuns}: capped export of ${formatNumber(c.export.bytes / MiB, 1)} MiB in ${formatDuration(c.export.ms)}: VmRSS ${formatNumber(c.export.rssBeforeBytes / MiB, 1)} → at most ${formatNumber(c.export.maxRssDuringBytes / MiB, 1)} MiB`);
      }
    }

    const rebuilds: RebuildMeasurement[] = [];
    if (runs('rebuild')) {
      for (let run = 1; run <= settings.heavyRuns; run++) {
        progress(`run ${run}/${settings.heavyRuns}: rebuilding every read model from the ${formatNumber(count)}-event log (rebuild-read-models)`);
        const m = await measureRebuild({ repoRoot: REPO_ROOT, databaseUrl: database.url, events: count });
        rebuilds.push(m);
        progress(`run ${run}/${settings.heavyRuns}: rebuilt in ${formatDuration(m.seconds * 1000)}: ${formatNumber(m.perSecond)} events/s, peak RSS ${formatNumber(m.peakRssBytes / MiB, 1)} MiB`);
      }
    }

    let kafka: KafkaBenchResult | null = null;
    if (kafkaSections) {
      kafka = await measureKafka({
        repoRoot: REPO_ROOT,
        benchDatabaseUrl: database.url,
        runs: settings.heavyRuns,
        relayEvents: settings.relayEvents,
        inboundMessages: settings.inboundMessages,
        partitions: settings.kafkaPartitions,
        batchSize: settings.relayBatchSize,
        relay: runs('relay'),
        inbound: runs('inbound'),
        log: progress,
      });
    }

    const rest: RestRun[] = [];
    if (runs('rest')) {
      for (let run = 1; run <= settings.heavyRuns; run++) {
        const scratch = await freshDatabase(database.url, `rest_r${run}`, progress);
        try {
          gc();
          const rawPool = new Pool({ connectionString: scratch.url, max: 1 });
          await rawPool.query(RAW_TABLE_SQL).finally(() => rawPool.end());
          const rawRest = await rawSingleRowCommits(scratch.url, `rest${run}`, settings.durationMs, settings.callers);
          progress(`run ${run}/${settings.heavyRuns}: raw single-row commits on the REST database, ${settings.callers} clients: ${rate(rawRest, 'rows/s')}`);
          gc();
          progress(`run ${run}/${settings.heavyRuns}: starting the bare ceiling server on the REST database`);
          const ceilingServer = await startCeilingServer({ repoRoot: REPO_ROOT, databaseUrl: scratch.url, timeoutMs: settings.standaloneTimeoutMs, log: progress });
          let ceiling: CeilingMeasurement;
          try {
            ceiling = await ceilingWorkload(ceilingServer, { requests: settings.restSubmissions, clients: settings.restClients, secret: BENCH_SECRET, log: progress });
          } finally {
            await ceilingServer.stop();
          }
          progress(`run ${run}/${settings.heavyRuns}: REST ceiling (bare node:http + pg, one row per request) ${latencyLine(ceiling.requests)}`);
          gc();
          progress(`run ${run}/${settings.heavyRuns}: starting the standalone app on a fresh database for the REST workload`);
          const app = await startRestApp(scratch.url);
          try {
            const m = await restWorkload(app, { submissions: settings.restSubmissions, clients: settings.restClients, secret: BENCH_SECRET, log: progress });
            rest.push({ ...m, raw: rawRest, ceiling });
            progress(
              `run ${run}/${settings.heavyRuns}: REST submissions ${latencyLine(m.submissions)}; amendments ${latencyLine(m.amendments)}; reads ${latencyLine(m.reads)}; ` +
                `read models caught up ${formatDuration(m.catchUpMs)} after the last submission`,
            );
          } finally {
            await app.stop();
          }
        } finally {
          await scratch.dispose();
        }
      }
    }

    let restProfile: ProfileShare[] | null = null;
    if (runs('rest')) {
      // One more run, not in the medians, with the app under `node --cpu-prof`: where its CPU time went.
      const scratch = await freshDatabase(database.url, 'rest_profile', progress);
      const dir = mkdtempSync(join(tmpdir(), 'ipstd-bench-profile-'));
      try {
        progress(`profiling: the REST workload once more with the app under node --cpu-prof (not counted in the figures)`);
        const app = await startRestApp(scratch.url, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
        try {
          await restWorkload(app, { submissions: settings.restSubmissions, clients: settings.restClients, secret: BENCH_SECRET, log: progress });
        } finally {
          await app.stop();
        }
        restProfile = summariseProfile(readProfile(dir));
        progress(`profile: ${describeShares(restProfile)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await scratch.dispose();
      }
    }

    const figures: Figure[] = [];
    if (runs('append')) {
      figures.push(
        appendAgainstRaw(1, 'append-1-event-8-callers', settings.callers, single, median(raw.map((m) => m.perSecond)), 0.8, 5),
        {
          number: 2,
          id: 'append-sequential-exact-revision',
          label: 'Append 1 event to one stream, sequential, exact expected revision',
          unit: 'appends/s',
          runs: sequential.map((m) => m.perSecond),
          median: median(sequential.map((m) => m.perSecond)),
          target: null,
          note: 'one caller, so every append is its own transaction and commit (no batching possible).',
        },
        {
          number: 3,
          id: 'append-10-events-8-callers',
          label: `Append ${settings.eventsPerMultiAppend} events per call to a new stream, ${settings.callers} concurrent callers`,
          unit: 'events/s',
          runs: multi.map((m) => m.perSecond),
          median: median(multi.map((m) => m.perSecond)),
          target: null,
        },
      );
    }
    if (runs('catch-up')) {
      const catchUpMedian = median(catchUps.map((m) => m.perSecond));
      figures.push({
        number: 4,
        id: 'catch-up-subscribe-to-all',
        label: `Catch-up read of the whole ${formatNumber(count)}-event log via subscribeToAll`,
        unit: 'events/s',
        runs: catchUps.map((m) => m.perSecond),
        median: catchUpMedian,
        target: { text: '≥ 50,000 events/s', pass: catchUpMedian >= 50_000 },
        note: `default batch size of the subscription; ${formatNumber(median(catchUps.map((m) => m.batches)))} batches per run; timed from subscribing to onCaughtUp.`,
      });
    }
    if (runs('append')) {
      figures.push({
        number: 5,
        id: 'raw-pg-single-row-commit-8-clients',
        label: `Baseline: raw pg BEGIN; INSERT 1 row (jsonb); COMMIT, ${settings.callers} clients`,
        unit: 'rows/s',
        runs: raw.map((m) => m.perSecond),
        median: median(raw.map((m) => m.perSecond)),
        target: null,
        note: 'the reference for #1: the same server and database, measured interleaved with #1–#3.',
      });
      const rawManyMedian = median(rawMany.map((m) => m.perSecond));
      figures.push(
        appendAgainstRaw(17, 'append-1-event-many-callers', settings.manyCallers, singleMany, rawManyMedian, 1.0, 18),
        {
          number: 18,
          id: 'raw-pg-single-row-commit-many-clients',
          label: `Baseline: raw pg BEGIN; INSERT 1 row (jsonb); COMMIT, ${settings.manyCallers} clients`,
          unit: 'rows/s',
          runs: rawMany.map((m) => m.perSecond),
          median: rawManyMedian,
          target: null,
          note: 'the reference for #17, measured interleaved with #1–#5.',
        },
      );
    }
    if (runs('rest')) figures.push(...restFigures(rest, restProfile));
    if (runs('standalone')) {
      const rssMedian = median(standalone.map((m) => m.rssBytes / MiB));
      figures.push(
        {
          number: 6,
          id: 'standalone-rss-after-catch-up',
          label: 'Standalone app resident memory (VmRSS) after catching up over the log',
          unit: 'MiB',
          runs: standalone.map((m) => m.rssBytes / MiB),
          median: rssMedian,
          target: { text: '< 256 MiB', pass: rssMedian < 256 },
          note:
            `peak (VmHWM) median ${formatNumber(median(standalone.map((m) => m.peakRssBytes / MiB)), 1)} MiB; ` +
            `start to projection lag 0 took a median ${formatDuration(median(standalone.map((m) => m.readyMs)))} ` +
            `(${Object.keys(standalone[0]?.projections ?? {}).length} projections; bench log head ${head}` +
            (standalone.some((m) => BigInt(m.head) > head)
              ? `, projections caught up to ${[...new Set(standalone.map((m) => m.head))].join(' / ')}: the app appended events of its own when it started).`
              : ').'),
        },
        {
          number: 7,
          id: 'export-whole-log-memory',
          label: `Export the whole ${formatNumber(count)}-event log as NDJSON (GET /v1/audit/export), V8 heap unlimited: the app's largest VmRSS during the export minus its VmRSS before`,
          unit: 'MiB',
          runs: standalone.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB),
          median: median(standalone.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB)),
          target: null,
          note:
            `median ${formatNumber(median(standalone.map((m) => m.export.lines)))} lines, ${formatNumber(median(standalone.map((m) => m.export.bytes)) / MiB, 1)} MiB, ` +
            `${formatDuration(median(standalone.map((m) => m.export.ms)))} per export (${formatNumber(median(standalone.map((m) => m.export.lines / (m.export.ms / 1000))))} lines/s); ` +
            `VmRSS before the export median ${formatNumber(median(standalone.map((m) => m.export.rssBeforeBytes / MiB)), 1)} MiB. ` +
            'With memory to spare V8 grows its heap before collecting, so this is garbage not yet collected, not memory the export needs: #12 runs the same export in a capped heap.',
        },
        {
          number: 8,
          id: 'export-whole-log-memory-again',
          label: 'The same export again in the same app: largest VmRSS during it minus VmRSS before it',
          unit: 'MiB',
          runs: standalone.map((m) => (m.secondExport!.maxRssDuringBytes - m.secondExport!.rssBeforeBytes) / MiB),
          median: median(standalone.map((m) => (m.secondExport!.maxRssDuringBytes - m.secondExport!.rssBeforeBytes) / MiB)),
          target: null,
          note:
            `VmRSS before it median ${formatNumber(median(standalone.map((m) => m.secondExport!.rssBeforeBytes / MiB)), 1)} MiB, largest during it ${formatNumber(median(standalone.map((m) => m.secondExport!.maxRssDuringBytes / MiB)), 1)} MiB: ` +
            'if an export kept what it sent, every export would add the export size again.',
        },
        {
          number: 12,
          id: 'export-whole-log-capped-heap',
          label: `The whole-log export in the standalone app started with node --max-old-space-size=${EXPORT_HEAP_CAP_MIB}: largest VmRSS during the export minus VmRSS before`,
          unit: 'MiB',
          runs: capped.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB),
          median: median(capped.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB)),
          target: {
            text: `flat: the ${formatNumber(count)}-event export completes in a ${EXPORT_HEAP_CAP_MIB} MiB heap with < 64 MiB growth`,
            pass: capped.every((m, i) => standalone[i] !== undefined && m.export.lines >= standalone[i].export.lines) && median(capped.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB)) < 64,
          },
          note:
            `every run exported ${[...new Set(capped.map((m) => formatNumber(m.export.lines)))].join(' / ')} lines, at least as many as the same run's uncapped export (#7) before it (the log only grows: the app appends events of its own when it starts) (${formatNumber(median(capped.map((m) => m.export.bytes)) / MiB, 1)} MiB) in a median ${formatDuration(median(capped.map((m) => m.export.ms)))}; ` +
            `VmRSS before median ${formatNumber(median(capped.map((m) => m.export.rssBeforeBytes / MiB)), 1)} MiB. The export holds one batch of events at a time; a heap that had to hold the log would fail with out-of-memory long before the end.`,
        },
      );
    }
    if (runs('rebuild')) {
      const rebuildMedian = median(rebuilds.map((m) => m.perSecond));
      figures.push({
        number: 9,
        id: 'rebuild-all-read-models',
        label: `Rebuild every read model from the ${formatNumber(count)}-event log (npm run rebuild-read-models, its own process)`,
        unit: 'events/s',
        runs: rebuilds.map((m) => m.perSecond),
        median: rebuildMedian,
        target: { text: '≥ 50,000 events/s', pass: rebuildMedian >= 50_000 },
        note:
          `peak RSS (VmHWM) median ${formatNumber(median(rebuilds.map((m) => m.peakRssBytes / MiB)), 1)} MiB; the log is read once and each batch goes to every projection. ` +
          'The bench log is mostly events the projections do not handle, so this measures reading and dispatching the log, not writing read-model rows.',
      });
    }
    if (kafka && runs('relay')) figures.push(...relayFigures(kafka));
    if (kafka && runs('inbound')) figures.push(...inboundFigures(kafka));

    const finishedAt = new Date();
    const eventStoreSections = runs('append') || needsLog;
    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      environment: {
        CPU: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
        Memory: `${formatNumber(totalmem() / MiB / 1024, 1)} GiB`,
        Node: process.version,
        PostgreSQL: server.version,
        'PostgreSQL settings': server.settings,
        Database: `${database.source}: ${database.label} (fresh, dropped afterwards unless given as is)`,
        ...(kafka ? { Kafka: kafka.broker } : {}),
        Commit: gitCommit(),
      },
      settings: {
        ...(runs('append') ? { 'runs per throughput figure (#1, #2, #3, #5)': settings.runs } : {}),
        'runs per heavy figure (#4, #6–#16, #19)': settings.heavyRuns,
        ...(runs('append') ? { 'duration of one throughput run': `${settings.durationMs} ms`, 'concurrent callers / clients': settings.callers } : {}),
        ...(needsLog && fill
          ? {
              'log size for #4 and #6–#9': count,
              'log fill': `${settings.fillAppendSize}-event appends through the port, ${settings.fillCallers} callers, ${formatNumber(fill.perSecond)} events/s`,
            }
          : {}),
        ...(kafka
          ? {
              'Kafka topic partitions (#10, #11)': settings.kafkaPartitions,
              ...(runs('relay') ? { 'relay log (#10)': `${formatNumber(kafka.relayEvents)} events, ${formatNumber(kafka.relayStreams)} streams; relay batch size ${settings.relayBatchSize}` } : {}),
              ...(runs('inbound') ? { 'inbound messages (#11)': settings.inboundMessages } : {}),
            }
          : {}),
      },
      figures,
      method: methodLines(eventStoreSections),
      allTargetsMet: figures.every((f) => !f.target || f.target.pass),
      ...(partial ? { partial } : {}),
    };
    const paths = writeReport(REPO_ROOT, report);
    process.stdout.write(`\n${markdownTable(figures)}\n\n`);
    progress(`results: ${paths.markdownPath}`);
    progress(`         ${paths.jsonPath}`);
    progress(paths.latestPath ? `         ${paths.latestPath}` : '         (a partial run: docs/bench/latest.md left as it was)');
    progress(report.allTargetsMet ? 'all targets met' : 'NOT every target was met');
  } finally {
    await dispose();
  }
}

/** The method section: only what applies to the sections that ran. */
function methodLines(eventStoreSections: boolean): string[] {
  const lines: Array<[boolean, string]> = [
    [eventStoreSections, 'One process, one fresh database, everything through the EventStore port (PostgresEventStore on a pg Pool of 20, as the apps configure it) except the raw baseline.'],
    [eventStoreSections, 'Every event is built fresh per call: a UUIDv7 id, ~450 bytes of JSON data with Chinese text, full metadata; the store validates, hashes (SHA-256 hash chain) and stores it.'],
    [runs('append'), `Throughput figures (#1, #2, #3, #5) are closed-loop: each caller starts its next call when the previous settles, for ${settings.durationMs} ms per run; the rate counts completed units over the time until the last caller finished. The four are measured interleaved (#5, #1, #2, #3 per run) after a short unmeasured warm-up, so they see the same server state.`],
    [runs('append'), '#1 and #3 append to a new stream per call with expected revision no-stream; #2 appends to one stream with the exact revision returned by the previous append.'],
    [runs('append'), '#5 uses 8 dedicated pg connections, each running BEGIN; INSERT one row into bench_raw (identity key, unique uuid, text, two jsonb columns, timestamptz); COMMIT.'],
    [runs('catch-up'), `#4: the log is first filled to ${formatNumber(settings.logEvents)} events (the events of #1–#3 plus 100-event appends through the port), then VACUUM (ANALYZE) es_events (what autovacuum would do after a bulk load). Each run subscribes from position 0 and is timed until onCaughtUp; positions are checked to strictly increase and the count must equal the log size.`],
    [runs('standalone'), '#6 starts `node dist/apps/standalone/src/main.js` (DATABASE_URL = the bench database, PORT=0, a temporary DATA_DIR, LOG_LEVEL=warn) after the log exists, polls /health/ready until every projection shows lag 0 at (at least) the head of the bench log, reads VmRSS from /proc/PID/status and stops it with SIGTERM. Before each further run the tables the app created (read models, checkpoints) are truncated, so every run catches up over the whole log. The bench events are of a type the projections ignore: they only advance their checkpoints.'],
    [runs('standalone'), '#8 repeats #7 at once in the same app, to tell memory an export keeps from memory the process keeps after its first large export.'],
    [runs('rebuild'), '#9 runs `node dist/apps/projections-service/src/rebuild.js` (npm run rebuild-read-models) against the bench database after #6, timing the whole process and polling its VmHWM.'],
    [runs('rest'), `#13–#16, #19: per run a fresh database on the bench's server; first ${settings.durationMs} ms of raw single-row commits there (${settings.callers} clients, the baseline quoted with #13); then the REST ceiling (#19): \`node dist/test/bench/ceiling-server.js\` on it, a bare node:http server in its own process that parses each request's JSON body and commits it as one row (one insert ... returning, a pg pool of 20) and answers 201, sent ${formatNumber(settings.restSubmissions)} of the run's submissions (same bodies, tokens and path shape) by ${settings.restClients} keep-alive clients through the same load generator as the app, its table checked to hold one row per request, then stopped; then \`node dist/apps/standalone/src/main.js\` on it (LOG_LEVEL=warn, THROTTLE_IP_LIMIT and THROTTLE_SUBJECT_LIMIT raised because every bench client comes from 127.0.0.1), every projection and worker running in it. The bench publishes a rule-set version effective this year (the shipped ones ended) and opens a call whose window is open today, then ${settings.restClients} keep-alive HTTP clients run three phases back to back: ${formatNumber(settings.restSubmissions)} submissions (each by its own enterprise and token), one amendment of each, one GET of each. Each request's latency is recorded; a phase's rate is its requests over its wall time; percentiles are per run, the table quotes the median over the runs. After the submissions the bench polls /health/ready every 20 ms until every projection's lag is 0 (#16). The load generator runs on the same machine and takes CPU from the app. For every phase and the ceiling the server process's CPU time comes from /proc/PID/stat, the whole machine's from /proc/stat, the generator's own from process.cpuUsage().`],
    [runs('standalone'), '#7 follows #6 in the same app: as a city-less auditor it streams the whole-log export to nowhere while sampling the app\'s VmRSS every 50 ms.'],
    [
      runs('relay') || runs('inbound'),
      `#10 and #11 run last, on one Kafka broker resolved like the tests resolve theirs (KAFKA_BROKERS, else Testcontainers, else a local KRaft broker started with java), with fresh topics per run (a new KAFKA_TOPIC_PREFIX, ${settings.kafkaPartitions} partitions, replication factor 1, deleted afterwards), in databases of their own created on the bench's PostgreSQL server (the log of #1–#9 is not involved).`,
    ],
    [
      runs('relay'),
      `#10: a fresh database holding ${formatNumber(settings.relayEvents)} published events (rounded up to whole streams of 100: GrantAwarded then 99 AgreementSigned, like a real grant stream, appended by test/support/integration.ts appendGrantEvents), VACUUM (ANALYZE). Each run first sends the baseline: the same records, built beforehand with the same CityResolver, toIntegrationEvent and toKafkaRecord and grouped into the same requests as the relay (batches of ${settings.relayBatchSize} events, split at 512 KiB), by a bare kafkajs idempotent producer (maxInFlightRequests 1, acks -1) in sendBatch calls to a fresh topic with the same partitions, timed from connect to the last ack; no log reading, no mapping, no checkpoint. Then IntegrationRelay (batch size ${settings.relayBatchSize}, the KAFKA_RELAY_BATCH_SIZE default, with a Metrics instance as in the gateway) runs in the bench process from checkpoint 0 (subscription_checkpoints row 'integration-relay' reset), timed from start() until its checkpoint, polled every 20 ms, equals the head; the topic must then hold every event. The store and the Kafka client are wrapped to time the relay's readStream calls (CityResolver), its batch handler and its sendBatch calls (the report's note on #10).`,
    ],
    [
      runs('inbound'),
      `#11: each run starts \`node dist/apps/integration-gateway/src/main.js\` on a fresh database (LOG_LEVEL=warn, KAFKA_RELAY_BATCH_SIZE ${settings.relayBatchSize}), waits until its consumer group (<prefix>-integration-gateway) is Stable, then produces ${formatNumber(settings.inboundMessages)} CloudEvents (binary mode; distinct valid credit codes as keys; credit-china serious-dishonesty facts) to <prefix>.inbound.credit-status as fast as one idempotent producer can (sendBatch of 1,000, acks -1): the gateway consumes while they arrive. Timed from the first send until GET /metrics (polled every 250 ms) counts every message as applied; the log must then hold one EnterpriseFactRecorded event per message. Consumer lag = the topic's high watermarks minus the group's committed offsets, sampled every 500 ms with a kafkajs admin; drain time = from the last message acknowledged by Kafka to the first sample with lag 0. The gateway's relay runs too (it reads the new events; EnterpriseFactRecorded is not published). After SIGTERM to the gateway, the baseline: a bare kafkajs consumer (new group, from the beginning, eachMessage doing nothing) reads the same messages, timed from joining its group to the last message.`,
    ],
    [true, `Targets: ${targetTexts().join('; ')}. The bench exits 0 when a target is missed; the table says FAIL.`],
  ];
  return lines.filter(([applies]) => applies).map(([, line]) => line);
}

function targetTexts(): string[] {
  const texts: Array<[boolean, string]> = [
    [runs('append'), '#1 ≥ 0.8 × #5 of the same bench run'],
    [runs('catch-up'), '#4 ≥ 50,000 events/s'],
    [runs('standalone'), `#6 < 256 MiB; #12 flat (the whole-log export completes in a ${EXPORT_HEAP_CAP_MIB} MiB heap with < 64 MiB growth)`],
    [runs('rebuild'), '#9 ≥ 50,000 events/s'],
    [runs('relay'), '#10 ≥ 20,000 events/s'],
    [runs('inbound'), '#11 none (informational)'],
    [runs('append'), '#17 ≥ 1.0 × #18 of the same bench run'],
    [runs('rest'), '#13 and #14 ≥ 1,000 requests/s with p99 < 100 ms; #19 none (the baseline they are quoted against)'],
  ];
  return texts.filter(([applies]) => applies).map(([, text]) => text);
}

/** The standalone app of the REST section on a database of its own. */
function startRestApp(databaseUrl: string, extraNodeArgs: readonly string[] = []): ReturnType<typeof startStandalone> {
  return startStandalone({
    repoRoot: REPO_ROOT,
    databaseUrl,
    timeoutMs: settings.standaloneTimeoutMs,
    log: progress,
    // Every bench client comes from 127.0.0.1: the per-address limit would cut the run short.
    env: { THROTTLE_IP_LIMIT: '10000000', THROTTLE_SUBJECT_LIMIT: '10000000' },
    nodeArgs: [...appNodeArgs, ...extraNodeArgs],
  });
}

/** A 1-event append figure against the raw single-row baseline of the same run. */
function appendAgainstRaw(number: number, id: string, callers: number, appends: readonly Measurement[], rawMedian: number, factor: number, baselineNumber: number): Figure {
  const appendMedian = median(appends.map((m) => m.perSecond));
  return {
    number,
    id,
    label: `Append 1 event to a new stream, ${callers} concurrent callers`,
    unit: 'events/s',
    runs: appends.map((m) => m.perSecond),
    median: appendMedian,
    target: {
      text: `≥ ${factor.toFixed(1)} × raw baseline (#${baselineNumber}) = ${formatNumber(factor * rawMedian)} (measured ratio ${(appendMedian / rawMedian).toFixed(2)})`,
      pass: appendMedian >= factor * rawMedian,
    },
  };
}

function latencyLine(l: LatencySummary): string {
  return `${formatNumber(l.perSecond)}/s (p50 ${l.p50Ms.toFixed(1)} ms, p95 ${l.p95Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms)`;
}

/** One REST run: the app's phases, and the baselines measured before the app on the same database. */
type RestRun = RestMeasurement & { readonly raw: Measurement; readonly ceiling: CeilingMeasurement };

function restFigures(rest: readonly RestRun[], profile: readonly ProfileShare[] | null): Figure[] {
  const p = (pick: (r: RestRun) => number) => median(rest.map(pick));
  const cpu = (pick: (r: RestRun) => LatencySummary, server: 'app' | 'ceiling server' = 'app') =>
    ` The ${server} process used ${p((r) => pick(r).appCores).toFixed(2)} cores meanwhile, ${p((r) => pick(r).appCpuMsPerRequest).toFixed(1)} ms of CPU per request (Node runs the ${server}'s JavaScript on one core).` +
    ` The whole machine was busy on ${p((r) => pick(r).machineCores).toFixed(2)} of its ${p((r) => pick(r).machineCoreCount)} cores: ${p((r) => pick(r).machineCpuMsPerRequest).toFixed(1)} ms of CPU per request` +
    ` for the ${server}, PostgreSQL and this load generator together (the generator's own share ${p((r) => pick(r).driverCpuMsPerRequest).toFixed(1)} ms);` +
    // n cores give n × 1,000 ms of CPU each second; shared by 1,000 requests, n ms each.
    ` 1,000 requests/s on ${p((r) => pick(r).machineCoreCount)} cores leaves ${((p((r) => pick(r).machineCoreCount) * 1000) / 1000).toFixed(1)} ms per request for all of them.`;
  const why = profile ? ` Where the app's CPU time went (a profiled extra run of all three phases): ${describeShares(profile)}.` : '';
  const latencies = (pick: (r: RestRun) => LatencySummary) =>
    `p50 ${p((r) => pick(r).p50Ms).toFixed(1)} ms, p95 ${p((r) => pick(r).p95Ms).toFixed(1)} ms, p99 ${p((r) => pick(r).p99Ms).toFixed(1)} ms (medians of the runs; p99 per run ${rest.map((r) => pick(r).p99Ms.toFixed(1)).join(' / ')} ms)`;
  const floor = (pick: (r: RestRun) => LatencySummary) => {
    const rate = p((r) => pick(r).perSecond);
    const p99 = p((r) => pick(r).p99Ms);
    return { text: `≥ 1,000/s at p99 < 100 ms (measured ${formatNumber(rate)}/s, p99 ${p99.toFixed(1)} ms)`, pass: rate >= 1000 && p99 < 100 };
  };
  const baseline = `raw single-row commits on the same server in the same runs, ${settings.callers} clients: median ${formatNumber(p((r) => r.raw.perSecond))} rows/s.`;
  const ceilingMedian = p((r) => r.ceiling.requests.perSecond);
  // The app's median against the ceiling's, and per run against the ceiling of that run.
  const ofCeiling = (pick: (r: RestRun) => LatencySummary) =>
    ` The bare ceiling in the same runs (#19): median ${formatNumber(ceilingMedian)} requests/s; the app reaches ${formatNumber((100 * p((r) => pick(r).perSecond)) / ceilingMedian)} % of it` +
    ` (per run ${rest.map((r) => `${formatNumber((100 * pick(r).perSecond) / r.ceiling.requests.perSecond)} %`).join(' / ')}).`;
  return [
    {
      number: 13,
      id: 'rest-submissions',
      label: `REST: submit an application (POST /v1/programmes/{id}/applications), ${settings.restClients} clients, ${formatNumber(settings.restSubmissions)} enterprises, standalone app with every projection live`,
      unit: 'requests/s',
      runs: rest.map((r) => r.submissions.perSecond),
      median: p((r) => r.submissions.perSecond),
      target: floor((r) => r.submissions),
      note: `${latencies((r) => r.submissions)}; ${baseline}${ofCeiling((r) => r.submissions)}${cpu((r) => r.submissions)}${why}`,
    },
    {
      number: 14,
      id: 'rest-amendments',
      label: `REST: amend each application once (POST /v1/applications/{id}/amendments), ${settings.restClients} clients`,
      unit: 'requests/s',
      runs: rest.map((r) => r.amendments.perSecond),
      median: p((r) => r.amendments.perSecond),
      target: floor((r) => r.amendments),
      note: `${latencies((r) => r.amendments)}.${ofCeiling((r) => r.amendments)}${cpu((r) => r.amendments)}`,
    },
    {
      number: 15,
      id: 'rest-reads',
      label: `REST: read each application (GET /v1/applications/{id}), ${settings.restClients} clients`,
      unit: 'requests/s',
      runs: rest.map((r) => r.reads.perSecond),
      median: p((r) => r.reads.perSecond),
      target: null,
      note: `${latencies((r) => r.reads)}.${cpu((r) => r.reads)}`,
    },
    {
      number: 16,
      id: 'rest-read-models-caught-up',
      label: 'REST: from the last acknowledged submission until every projection reported lag 0 (/health/ready)',
      unit: 'ms',
      runs: rest.map((r) => r.catchUpMs),
      median: p((r) => r.catchUpMs),
      target: null,
      note: 'polled every 20 ms; measures how far the read models trail the write path at the end of the submission phase.',
    },
    {
      number: 19,
      id: 'rest-ceiling-bare-server',
      label: `REST ceiling: a bare node:http server that parses the JSON body and commits one row (insert ... returning) per request through pg, ${settings.restClients} keep-alive clients, same request body size as a submission`,
      unit: 'requests/s',
      runs: rest.map((r) => r.ceiling.requests.perSecond),
      median: ceilingMedian,
      target: null,
      note:
        `a baseline for #13 and #14 (no target): what this machine does for the simplest endpoint that commits what it is sent, measured in each REST run just before the app, on the same database, by the same load generator. ` +
        `${formatNumber(settings.restSubmissions)} requests per run, the submissions of #13 themselves (median body ${formatNumber(p((r) => r.ceiling.bodyBytes))} bytes, same tokens and path shape); no framework, validation, authentication, event store or projections; a pg pool of 20 as in the app. ` +
        `${latencies((r) => r.ceiling.requests)}.${cpu((r) => r.ceiling.requests, 'ceiling server')}`,
    },
  ];
}

function relayFigures(kafka: KafkaBenchResult): Figure[] {
  const relay = kafka.relay;
  const relayMedian = median(relay.map((m) => m.relayPerSecond));
  const baselineMedian = median(relay.map((m) => m.baselinePerSecond));
  const p = (pick: (r: (typeof relay)[number]) => number) => median(relay.map(pick));
  const share = (pick: (r: (typeof relay)[number]) => number) => `${((100 * p((r) => pick(r) / r.relayMs)) || 0).toFixed(0)}%`;
  return [
    {
      number: 10,
      id: 'kafka-relay-throughput',
      label: `Integration relay: ${formatNumber(kafka.relayEvents)} published events from the log to Kafka (IntegrationRelay in process, batch ${settings.relayBatchSize}, ${settings.kafkaPartitions} partitions)`,
      unit: 'events/s',
      runs: relay.map((m) => m.relayPerSecond),
      median: relayMedian,
      target: { text: '≥ 20,000 events/s', pass: relayMedian >= 20_000 },
      note:
        `baseline in the same runs, a bare kafkajs idempotent producer sending the same records in the same ${formatNumber(p((r) => r.baselineRequests))} sendBatch requests: ` +
        `median ${formatNumber(baselineMedian)} records/s (${relay.map((m) => formatNumber(m.baselinePerSecond)).join(' / ')}); relay / baseline = ${(relayMedian / baselineMedian).toFixed(2)}. ` +
        `Where the relay's time went (medians, share of the run): reading the log ${formatDuration(p((r) => r.profile.readMs))} (${share((r) => r.profile.readMs)}); ` +
        `CityResolver readStream ${formatNumber(p((r) => r.profile.readStreamCalls))} calls, ${formatDuration(p((r) => r.profile.readStreamMs))} (${share((r) => r.profile.readStreamMs)}); ` +
        `kafkajs sendBatch ${formatNumber(p((r) => r.profile.sendBatchCalls))} calls, ${formatDuration(p((r) => r.profile.sendBatchMs))} (${share((r) => r.profile.sendBatchMs)}); ` +
        `headPosition per batch ${formatDuration(p((r) => r.profile.headPositionMs))} (${share((r) => r.profile.headPositionMs)}); ` +
        `the relay maps and checkpoints the next batches while sendBatch calls are in flight, so these times overlap (their shares add up to more than the run). ` +
        `Records on the topic after each run: ${relay.map((m) => formatNumber(m.relayRecords)).join(' / ')} (more than the events would mean redelivery).`,
    },
  ];
}

function inboundFigures(kafka: KafkaBenchResult): Figure[] {
  const inbound = kafka.inbound;
  const p = (pick: (r: (typeof inbound)[number]) => number) => median(inbound.map(pick));
  return [
    {
      number: 11,
      id: 'kafka-inbound-throughput',
      label: `Inbound consumer: ${formatNumber(settings.inboundMessages)} credit-status messages → RecordEnterpriseFact commands in the built integration gateway (${settings.kafkaPartitions} partitions)`,
      unit: 'messages/s',
      runs: inbound.map((m) => m.perSecond),
      median: p((r) => r.perSecond),
      target: null,
      note:
        `informational (no target). The gateway was consuming before the messages were produced (produced in a median ${formatDuration(p((r) => r.produceMs))}); ` +
        `timed until all were applied: a median ${formatDuration(p((r) => r.appliedMs))}. ` +
        `Consumer lag (committed offsets, every 500 ms): max ${inbound.map((m) => formatNumber(m.maxLag)).join(' / ')} messages, ` +
        `drained to 0 ${inbound.map((m) => formatDuration(m.drainMs)).join(' / ')} after the last message was produced. ` +
        `The gateway's relay runs over the same log meanwhile: integration_relay_lag_events peaked at ${inbound.map((m) => formatNumber(m.maxRelayLag)).join(' / ')}. ` +
        `Baseline, a bare kafkajs consumer reading the same messages with no processing: median ${formatNumber(p((r) => r.baselinePerSecond))} messages/s ` +
        `(${inbound.map((m) => formatNumber(m.baselinePerSecond)).join(' / ')}); gateway / baseline = ${(p((r) => r.perSecond) / p((r) => r.baselinePerSecond)).toFixed(3)}.`,
    },
  ];
}

async function serverInfo(pool: Pool): Promise<{ version: string; settings: string }> {
  const { rows } = await pool.query<{ v: string }>("select current_setting('server_version') as v");
  const names = ['autovacuum', 'fsync', 'max_connections', 'shared_buffers', 'synchronous_commit', 'wal_sync_method'];
  const { rows: s } = await pool.query<{ name: string; setting: string }>(
    'select name, current_setting(name) as setting from pg_settings where name = any($1) order by name',
    [names],
  );
  return { version: rows[0].v, settings: s.map((r) => `${r.name}=${r.setting}`).join(', ') };
}

async function listTables(url: string): Promise<string[]> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query<{ t: string }>("select tablename as t from pg_tables where schemaname = 'public' order by 1");
    return rows.map((r) => r.t);
  } finally {
    await pool.end();
  }
}

async function truncate(url: string, tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return;
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`truncate ${tables.map((t) => `"${t}"`).join(', ')}`);
  } finally {
    await pool.end();
  }
}

// Node exits with code 0 when nothing is left to wait for, even with a promise pending: a bench that
// stopped that way printed nothing. Say so and fail instead.
process.on('beforeExit', () => {
  process.stderr.write('bench failed: it stopped before finishing (a promise it was waiting for can never settle)\n');
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
