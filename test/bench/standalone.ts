import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { signHs256 } from '../../libs/platform/src/auth/jwt';
import { sleep } from './stats';

export const BENCH_SECRET = 'bench-only-secret-0123456789-abcdefghijklmnop';

export interface ExportMeasurement {
  readonly lines: number;
  readonly bytes: number;
  readonly ms: number;
  readonly rssBeforeBytes: number;
  readonly maxRssDuringBytes: number;
}

export interface StandaloneMeasurement {
  /** VmRSS once every projection reported lag 0. */
  readonly rssBytes: number;
  /** VmHWM (peak resident set) at the same moment. */
  readonly peakRssBytes: number;
  /** From spawning the process until it printed its URL. */
  readonly startMs: number;
  /** From spawning the process until /health/ready showed lag 0 for every projection. */
  readonly readyMs: number;
  readonly projections: Record<string, number>;
  /** Exporting the whole log as NDJSON through GET /v1/audit/export, once caught up. */
  readonly export: ExportMeasurement;
  /** The same export again in the same process: memory the first export left behind does not count twice. */
  readonly secondExport: ExportMeasurement | null;
  /** Log head the projections caught up to (the bench's head plus anything the app appended itself). */
  readonly head: string;
}

interface ReadyBody {
  status?: string;
  checks?: { projections?: { head?: string; lag?: Record<string, number> } };
}

/** Every server process the bench started and has not stopped yet. */
const running = new Set<ChildProcess>();

/** Kills every server process the bench started (the standalone app, the REST ceiling) that is still running (used when the bench aborts). */
export function killRunningServers(): void {
  for (const child of running) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** A node server process the bench started, once it said on which port it listens. */
export interface StartedServer {
  readonly port: number;
  readonly pid: number;
  /** From spawning the process until it printed its URL. */
  readonly startMs: number;
  readonly spawnedAt: number;
  /** The process's last output (stdout and stderr), for error messages. */
  output(): string;
  exitCode(): number | null;
  /** SIGTERM, then SIGKILL after 20 s; then the cleanup it was started with. */
  stop(): Promise<void>;
}

export type StartedStandalone = StartedServer;

/**
 * Starts `node [nodeArgs] <repoRoot>/<script>` with the given environment (NODE_OPTIONS left out)
 * and resolves once its output matched `listening`, whose first group is the port.
 */
export async function startNodeServer(options: {
  /** What it is, for messages. */
  readonly name: string;
  readonly repoRoot: string;
  /** The built script, relative to repoRoot. */
  readonly script: string;
  readonly env: NodeJS.ProcessEnv;
  readonly nodeArgs?: readonly string[];
  readonly listening: RegExp;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Runs once the process is gone (also when it failed to start). */
  readonly cleanup?: () => void;
}): Promise<StartedServer> {
  const script = join(options.repoRoot, options.script);
  if (!existsSync(script)) {
    options.cleanup?.();
    throw new Error(`${script} is missing: run the build first`);
  }
  const env: NodeJS.ProcessEnv = { ...options.env };
  delete env.NODE_OPTIONS;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], { cwd: options.repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let port: number | null = null;
  let startMs = 0;
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
    const match = port === null ? options.listening.exec(output) : null;
    if (match) {
      port = Number(match[1]);
      startMs = performance.now() - spawnedAt;
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        options.log(`  ${options.name} did not stop within 20 s of SIGTERM; killing it`);
        child.kill('SIGKILL');
        await exited;
      }
    }
    running.delete(child);
    options.cleanup?.();
  };
  try {
    while (port === null) {
      if (child.exitCode !== null) throw new Error(`${options.name} exited with code ${child.exitCode}:\n${output.slice(-3000)}`);
      if (performance.now() - spawnedAt > options.timeoutMs) throw new Error(`${options.name} did not start within ${options.timeoutMs} ms:\n${output.slice(-3000)}`);
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, pid: child.pid!, startMs, spawnedAt, output: () => output, exitCode: () => child.exitCode, stop };
}

/**
 * Starts the real standalone app (`node dist/apps/standalone/src/main.js`) on the given database,
 * with its own data folder (removed when it stops), and resolves once it printed its URL.
 */
export function startStandalone(options: {
  readonly repoRoot: string;
  readonly databaseUrl: string;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Options for node itself, e.g. `--max-old-space-size=64`. */
  readonly nodeArgs?: readonly string[];
  /** More environment for the app (overrides the bench's defaults). */
  readonly env?: Readonly<Record<string, string>>;
}): Promise<StartedStandalone> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ipstd-bench-app-'));
  return startNodeServer({
    name: 'standalone',
    repoRoot: options.repoRoot,
    script: 'dist/apps/standalone/src/main.js',
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      EVENT_STORE: 'postgres',
      KAFKA_BROKERS: '',
      AUTH_HS256_SECRET: BENCH_SECRET,
      ...options.env,
    },
    nodeArgs: options.nodeArgs,
    listening: /API:\s+http:\/\/localhost:(\d+)\/v1/,
    timeoutMs: options.timeoutMs,
    log: options.log,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  });
}

/**
 * Starts the REST ceiling (#19, test/bench/ceiling-server.ts: a bare node:http server committing one
 * row per request through pg) as its own process on the given database; resolves once it listens.
 */
export function startCeilingServer(options: { readonly repoRoot: string; readonly databaseUrl: string; readonly timeoutMs: number; readonly log: (line: string) => void }): Promise<StartedServer> {
  return startNodeServer({
    name: 'ceiling server',
    repoRoot: options.repoRoot,
    script: 'dist/test/bench/ceiling-server.js',
    env: { ...process.env, DATABASE_URL: options.databaseUrl, PORT: '0', HOST: '127.0.0.1' },
    listening: /ceiling: listening on http:\/\/127\.0\.0\.1:(\d+)/,
    timeoutMs: options.timeoutMs,
    log: options.log,
  });
}

/**
 * Starts the real standalone app on the bench database, waits until /health/ready shows projection
 * lag 0 at (at least) the expected head, reads its resident memory from /proc/PID/status, exports
 * the whole log and stops it with SIGTERM.
 */
export async function measureStandalone(options: {
  readonly repoRoot: string;
  readonly databaseUrl: string;
  readonly expectedHead: bigint;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Options for node itself, e.g. `--max-old-space-size=64` to show the export runs in a bounded heap. */
  readonly nodeArgs?: readonly string[];
  /** Export a second time in the same process (default true). */
  readonly secondExport?: boolean;
}): Promise<StandaloneMeasurement> {
  const app = await startStandalone(options);
  const { port, startMs } = app;
  const started = app.spawnedAt;
  try {
    const deadline = started + options.timeoutMs;
    let lastReport = 0;
    let body: ReadyBody | null = null;
    for (;;) {
      if (app.exitCode() !== null) throw new Error(`standalone exited with code ${app.exitCode()}:\n${app.output().slice(-3000)}`);
      if (performance.now() > deadline) throw new Error(`standalone not caught up within ${options.timeoutMs} ms; last readiness: ${JSON.stringify(body)}`);
      body = await readiness(port);
      const projections = body?.checks?.projections;
      const lags = Object.values(projections?.lag ?? {});
      // At least the head the bench wrote: the app may append a few events of its own when it starts.
      const head = projections?.head !== undefined ? BigInt(projections.head) : -1n;
      if (projections && head >= options.expectedHead && lags.length > 0 && lags.every((l) => l === 0)) {
        const readyMs = performance.now() - started;
        const status = readFileSync(`/proc/${app.pid}/status`, 'utf8');
        const rssBytes = statusKb(status, 'VmRSS') * 1024;
        const peakRssBytes = statusKb(status, 'VmHWM') * 1024;
        options.log(`  standalone caught up; exporting the whole log through GET /v1/audit/export`);
        const exported = await exportWholeLog(port, app.pid);
        const secondExport = options.secondExport === false ? null : await exportWholeLog(port, app.pid);
        return { rssBytes, peakRssBytes, startMs, readyMs, projections: projections.lag ?? {}, head: head.toString(), export: exported, secondExport };
      }
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        options.log(`  standalone (pid ${app.pid}, port ${port}) catching up: lag ${JSON.stringify(projections?.lag ?? body?.checks ?? null)}`);
      }
      await sleep(200);
    }
  } finally {
    await app.stop();
  }
}

async function readiness(port: number): Promise<ReadyBody | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(5000) });
    return (await response.json()) as ReadyBody;
  } catch {
    return null;
  }
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]);
}

/**
 * Streams the whole-log export to nowhere, counting lines, while sampling the app's VmRSS every
 * 50 ms: flat memory means the maximum during the export stays near the resident size before it.
 */
async function exportWholeLog(port: number, pid: number): Promise<ExportMeasurement> {
  const now = Math.floor(Date.now() / 1000);
  const token = signHs256({ sub: 'bench-auditor', role: 'auditor', iat: now, exp: now + 3600 }, BENCH_SECRET);
  const rss = () => statusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS') * 1024;
  const rssBeforeBytes = rss();
  let maxRssDuringBytes = rssBeforeBytes;
  const sampler = setInterval(() => {
    try {
      maxRssDuringBytes = Math.max(maxRssDuringBytes, rss());
    } catch {
      // the process is gone; the error surfaces below
    }
  }, 50);
  const started = performance.now();
  try {
    const { lines, bytes } = await new Promise<{ lines: number; bytes: number }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/audit/export', headers: { Authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`export answered ${res.statusCode}`));
          res.resume();
          return;
        }
        let lines = 0;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        });
        res.on('end', () => resolve({ lines, bytes }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    return { lines, bytes, ms: performance.now() - started, rssBeforeBytes, maxRssDuringBytes };
  } finally {
    clearInterval(sampler);
  }
}
