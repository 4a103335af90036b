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
 * Every figure is the median of several runs. Results go to bench-results/ (git-ignored) and
 * docs/bench/latest.md. Exits 0 when targets are missed (the report says so), non-zero on errors.
 *
 * Environment knobs: BENCH_DATABASE_URL, BENCH_RUNS (default 5), BENCH_HEAVY_RUNS (catch-up and
 * standalone, default 3), BENCH_DURATION_MS (per throughput run, default 4000), BENCH_LOG_EVENTS
 * (default 1000000), BENCH_CALLERS (default 8).
 */
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Pool } from 'pg';
import { PostgresEventStore } from '@ipstd/event-store';
import { BenchDatabase, resolveBenchDatabase } from './database';
import { BenchReport, Figure, markdownTable, writeReport } from './report';
import { killRunningStandalone, measureStandalone } from './standalone';
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

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

const settings = {
  runs: intFromEnv('BENCH_RUNS', 5, 1),
  heavyRuns: intFromEnv('BENCH_HEAVY_RUNS', 3, 1),
  durationMs: intFromEnv('BENCH_DURATION_MS', 4000, 200),
  logEvents: intFromEnv('BENCH_LOG_EVENTS', 1_000_000, 1000),
  callers: intFromEnv('BENCH_CALLERS', 8, 1),
  eventsPerMultiAppend: 10,
  fillAppendSize: 100,
  fillCallers: 16,
  standaloneTimeoutMs: 300_000,
};

const progress = createProgress();

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
  let database: BenchDatabase | null = null;
  let disposed = false;
  const dispose = async () => {
    if (disposed || !database) return;
    disposed = true;
    killRunningStandalone();
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
    await store.migrate();
    await pool.query(RAW_TABLE_SQL);
    const server = await serverInfo(pool);

    const raw: Measurement[] = [];
    const single: Measurement[] = [];
    const sequential: Measurement[] = [];
    const multi: Measurement[] = [];

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
    }

    const existing = Number((await pool.query<{ n: string }>('select count(*) as n from es_events')).rows[0].n);
    if (existing > settings.logEvents) progress(`the runs above already wrote ${formatNumber(existing)} events, more than ${formatNumber(settings.logEvents)}: #4 and #6 use that larger log`);
    const toFill = Math.max(0, settings.logEvents - existing);
    progress(`filling the log: ${formatNumber(existing)} events from the runs above + ${formatNumber(toFill)} in ${settings.fillAppendSize}-event appends through the port (${settings.fillCallers} callers)`);
    const fill = await fillLog(store, toFill, settings.fillAppendSize, settings.fillCallers, (done) =>
      progress(`  filled ${formatNumber(done)} / ${formatNumber(toFill)}`),
    );
    progress(`filled: ${rate(fill, 'events/s')}`);
    const count = Number((await pool.query<{ n: string }>('select count(*) as n from es_events')).rows[0].n);
    if (count !== Math.max(existing, settings.logEvents)) throw new Error(`log holds ${count} events, expected ${Math.max(existing, settings.logEvents)}`);
    progress('vacuum analyze after the bulk load');
    await pool.query('vacuum (analyze) es_events');
    const head = await store.headPosition();

    const catchUps: Array<Measurement & { batches: number }> = [];
    for (let run = 1; run <= settings.heavyRuns; run++) {
      gc();
      catchUps.push(await catchUp(store, count, undefined));
      const m = catchUps[catchUps.length - 1];
      progress(`run ${run}/${settings.heavyRuns}: catch-up through subscribeToAll: ${rate(m, 'events/s')}, ${formatNumber(m.batches)} batches`);
    }
    await store.close();
    await pool.end();

    const standalone: Awaited<ReturnType<typeof measureStandalone>>[] = [];
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
    }

    const rebuilds: RebuildMeasurement[] = [];
    for (let run = 1; run <= settings.heavyRuns; run++) {
      progress(`run ${run}/${settings.heavyRuns}: rebuilding every read model from the ${formatNumber(count)}-event log (rebuild-read-models)`);
      const m = await measureRebuild({ repoRoot: REPO_ROOT, databaseUrl: database.url, events: count });
      rebuilds.push(m);
      progress(`run ${run}/${settings.heavyRuns}: rebuilt in ${formatDuration(m.seconds * 1000)}: ${formatNumber(m.perSecond)} events/s, peak RSS ${formatNumber(m.peakRssBytes / MiB, 1)} MiB`);
    }
    const rebuildMedian = median(rebuilds.map((m) => m.perSecond));

    const rawMedian = median(raw.map((m) => m.perSecond));
    const singleMedian = median(single.map((m) => m.perSecond));
    const catchUpMedian = median(catchUps.map((m) => m.perSecond));
    const rssMedian = median(standalone.map((m) => m.rssBytes / MiB));
    const figures: Figure[] = [
      {
        id: 'append-1-event-8-callers',
        label: `Append 1 event to a new stream, ${settings.callers} concurrent callers`,
        unit: 'events/s',
        runs: single.map((m) => m.perSecond),
        median: singleMedian,
        target: {
          text: `≥ 0.8 × raw baseline (#5) = ${formatNumber(0.8 * rawMedian)} (measured ratio ${(singleMedian / rawMedian).toFixed(2)})`,
          pass: singleMedian >= 0.8 * rawMedian,
        },
      },
      {
        id: 'append-sequential-exact-revision',
        label: 'Append 1 event to one stream, sequential, exact expected revision',
        unit: 'appends/s',
        runs: sequential.map((m) => m.perSecond),
        median: median(sequential.map((m) => m.perSecond)),
        target: null,
        note: 'one caller, so every append is its own transaction and commit (no batching possible).',
      },
      {
        id: 'append-10-events-8-callers',
        label: `Append ${settings.eventsPerMultiAppend} events per call to a new stream, ${settings.callers} concurrent callers`,
        unit: 'events/s',
        runs: multi.map((m) => m.perSecond),
        median: median(multi.map((m) => m.perSecond)),
        target: null,
      },
      {
        id: 'catch-up-subscribe-to-all',
        label: `Catch-up read of the whole ${formatNumber(count)}-event log via subscribeToAll`,
        unit: 'events/s',
        runs: catchUps.map((m) => m.perSecond),
        median: catchUpMedian,
        target: { text: '≥ 50,000 events/s', pass: catchUpMedian >= 50_000 },
        note: `default batch size of the subscription; ${formatNumber(median(catchUps.map((m) => m.batches)))} batches per run; timed from subscribing to onCaughtUp.`,
      },
      {
        id: 'raw-pg-single-row-commit-8-clients',
        label: `Baseline: raw pg BEGIN; INSERT 1 row (jsonb); COMMIT, ${settings.callers} clients`,
        unit: 'rows/s',
        runs: raw.map((m) => m.perSecond),
        median: rawMedian,
        target: null,
        note: 'the reference for #1: the same server and database, measured interleaved with #1–#3.',
      },
      {
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
        id: 'export-whole-log-memory',
        label: `Export the whole ${formatNumber(count)}-event log as NDJSON (GET /v1/audit/export): the app's largest VmRSS during the export minus its VmRSS before`,
        unit: 'MiB',
        runs: standalone.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB),
        median: median(standalone.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB)),
        target: { text: 'flat: < 64 MiB growth', pass: median(standalone.map((m) => (m.export.maxRssDuringBytes - m.export.rssBeforeBytes) / MiB)) < 64 },
        note:
          `median ${formatNumber(median(standalone.map((m) => m.export.lines)))} lines, ${formatNumber(median(standalone.map((m) => m.export.bytes)) / MiB, 1)} MiB, ` +
          `${formatDuration(median(standalone.map((m) => m.export.ms)))} per export (${formatNumber(median(standalone.map((m) => m.export.lines / (m.export.ms / 1000))))} lines/s); ` +
          `VmRSS before the export median ${formatNumber(median(standalone.map((m) => m.export.rssBeforeBytes / MiB)), 1)} MiB.`,
      },
      {
        id: 'export-whole-log-memory-again',
        label: 'The same export again in the same app: largest VmRSS during it minus VmRSS before it',
        unit: 'MiB',
        runs: standalone.map((m) => (m.secondExport.maxRssDuringBytes - m.secondExport.rssBeforeBytes) / MiB),
        median: median(standalone.map((m) => (m.secondExport.maxRssDuringBytes - m.secondExport.rssBeforeBytes) / MiB)),
        target: null,
        note:
          `VmRSS before it median ${formatNumber(median(standalone.map((m) => m.secondExport.rssBeforeBytes / MiB)), 1)} MiB, largest during it ${formatNumber(median(standalone.map((m) => m.secondExport.maxRssDuringBytes / MiB)), 1)} MiB: ` +
          'if an export kept what it sent, every export would add the export size again.',
      },
      {
        id: 'rebuild-all-read-models',
        label: `Rebuild every read model from the ${formatNumber(count)}-event log (npm run rebuild-read-models, its own process)`,
        unit: 'events/s',
        runs: rebuilds.map((m) => m.perSecond),
        median: rebuildMedian,
        target: { text: '≥ 50,000 events/s', pass: rebuildMedian >= 50_000 },
        note:
          `peak RSS (VmHWM) median ${formatNumber(median(rebuilds.map((m) => m.peakRssBytes / MiB)), 1)} MiB; the log is read once and each batch goes to every projection. ` +
          'The bench log is mostly events the projections do not handle, so this measures reading and dispatching the log, not writing read-model rows.',
      },
    ];
    const finishedAt = new Date();
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
        Commit: gitCommit(),
      },
      settings: {
        'runs per throughput figure (#1, #2, #3, #5)': settings.runs,
        'runs per heavy figure (#4, #6)': settings.heavyRuns,
        'duration of one throughput run': `${settings.durationMs} ms`,
        'concurrent callers / clients': settings.callers,
        'log size for #4 and #6': count,
        'log fill': `${settings.fillAppendSize}-event appends through the port, ${settings.fillCallers} callers, ${formatNumber(fill.perSecond)} events/s`,
      },
      figures,
      method: [
        'One process, one fresh database, everything through the EventStore port (PostgresEventStore on a pg Pool of 20, as the apps configure it) except the raw baseline.',
        'Every event is built fresh per call: a UUIDv7 id, ~450 bytes of JSON data with Chinese text, full metadata; the store validates, hashes (SHA-256 hash chain) and stores it.',
        `Throughput figures (#1, #2, #3, #5) are closed-loop: each caller starts its next call when the previous settles, for ${settings.durationMs} ms per run; the rate counts completed units over the time until the last caller finished. The four are measured interleaved (#5, #1, #2, #3 per run) after a short unmeasured warm-up, so they see the same server state.`,
        '#1 and #3 append to a new stream per call with expected revision no-stream; #2 appends to one stream with the exact revision returned by the previous append.',
        '#5 uses 8 dedicated pg connections, each running BEGIN; INSERT one row into bench_raw (identity key, unique uuid, text, two jsonb columns, timestamptz); COMMIT.',
        `#4: the log is first filled to ${formatNumber(settings.logEvents)} events (the events of #1–#3 plus 100-event appends through the port), then VACUUM (ANALYZE) es_events (what autovacuum would do after a bulk load). Each run subscribes from position 0 and is timed until onCaughtUp; positions are checked to strictly increase and the count must equal the log size.`,
        '#6 starts `node dist/apps/standalone/src/main.js` (DATABASE_URL = the bench database, PORT=0, a temporary DATA_DIR, LOG_LEVEL=warn) after the log exists, polls /health/ready until every projection shows lag 0 at (at least) the head of the bench log, reads VmRSS from /proc/PID/status and stops it with SIGTERM. Before each further run the tables the app created (read models, checkpoints) are truncated, so every run catches up over the whole log. The bench events are of a type the projections ignore: they only advance their checkpoints.',
        '#8 repeats #7 at once in the same app, to tell memory an export keeps from memory the process keeps after its first large export.',
        '#9 runs `node dist/apps/projections-service/src/rebuild.js` (npm run rebuild-read-models) against the bench database after #6, timing the whole process and polling its VmHWM.',
        '#7 follows #6 in the same app: as a city-less auditor it streams the whole-log export to nowhere while sampling the app\'s VmRSS every 50 ms.',
        'Targets: #1 ≥ 0.8 × #5 of the same bench run; #4 ≥ 50,000 events/s; #6 < 256 MiB; #7 flat (< 64 MiB growth); #9 ≥ 50,000 events/s. The bench exits 0 when a target is missed; the table says FAIL.',
      ],
      allTargetsMet: figures.every((f) => !f.target || f.target.pass),
    };
    const paths = writeReport(REPO_ROOT, report);
    process.stdout.write(`\n${markdownTable(figures)}\n\n`);
    progress(`results: ${paths.markdownPath}`);
    progress(`         ${paths.jsonPath}`);
    progress(`         ${paths.latestPath}`);
    progress(report.allTargetsMet ? 'all targets met' : 'NOT every target was met');
  } finally {
    await dispose();
  }
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

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
