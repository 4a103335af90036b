/**
 * The REST workload of `npm run bench` (#13–#16): the real standalone app, started as its own process
 * with every projection and worker live, driven over HTTP by a fixed number of keep-alive clients.
 *
 * One run: a fresh database; a rule-set version effective today and a call whose window is open
 * today (the app runs on the system clock); then `submissions` applications by as many enterprises,
 * then one amendment of each, then reads of each, every phase by `clients` concurrent clients. Each
 * request's latency is recorded; a phase's rate is its requests over its wall time. After the
 * submissions the bench waits until /health/ready reports every projection at the head: the time
 * from the last acknowledged submission until then is the read models' catch-up time.
 *
 * The REST ceiling (#19) is driven by the same load generator (`call`, `phase`): a bare node:http
 * server (test/bench/ceiling-server.ts) in its own process, sent the same submissions by as many
 * clients, committing one row per request; it says what the machine does for the simplest endpoint
 * that parses and commits what it is sent.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Agent, request } from 'node:http';
import { creditCodeCheckCharacter } from '../../libs/kernel/src/credit-code';
import { signHs256 } from '../../libs/platform/src/auth/jwt';
import { StartedServer, StartedStandalone } from './standalone';
import { sleep } from './stats';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';

export interface LatencySummary {
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly elapsedMs: number;
  /** CPU time the server process (the app, or the ceiling server) used per request (user + system, from /proc/PID/stat). */
  readonly appCpuMsPerRequest: number;
  /** The server process's CPU use during the phase, in cores (1 = one core busy all the time). */
  readonly appCores: number;
  /**
   * CPU time the whole machine spent per request (every process: the app, PostgreSQL, this load
   * generator; user + system + irq from /proc/stat), and the share of it this load generator used.
   */
  readonly machineCpuMsPerRequest: number;
  readonly driverCpuMsPerRequest: number;
  /** The machine's busy cores during the phase, and how many it has. */
  readonly machineCores: number;
  readonly machineCoreCount: number;
}

export interface RestMeasurement {
  readonly submissions: LatencySummary;
  readonly amendments: LatencySummary;
  readonly reads: LatencySummary;
  /** From the last acknowledged submission until every projection reported lag 0. */
  readonly catchUpMs: number;
}

/** The REST ceiling (#19): the same submissions sent to a bare server committing one row each. */
export interface CeilingMeasurement {
  readonly requests: LatencySummary;
  /** Median request body size in bytes (the submissions' own JSON). */
  readonly bodyBytes: number;
}

const CITY = '320500';
const DISTRICTS = ['320505', '320506', '320507', '320508', '320571'];

interface Response {
  readonly status: number;
  readonly body: string;
}

function call(agent: Agent, port: number, method: string, path: string, token: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function expectStatus(response: Promise<Response>, expected: number, what: string): Promise<Response> {
  const r = await response;
  if (r.status !== expected) throw new Error(`${what}: expected ${expected}, got ${r.status}: ${r.body.slice(0, 600)}`);
  return r;
}

function creditCode(i: number, district: string): string {
  const first17 = `91${district}MB${String(i).padStart(7, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

function profile(i: number, code: string, district: string, requestedAmountFen: number): object {
  return suzhouProfile({ creditCode: code, district, name: `基准企业${i}`, requestedAmountFen });
}

interface CpuSpent {
  readonly app: number;
  readonly machine: number;
  readonly driver: number;
}

function summarise(latencies: number[], elapsedMs: number, cpu: CpuSpent): LatencySummary {
  const cpuMs = cpu.app;
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : Number.NaN);
  return {
    count: sorted.length,
    perSecond: (sorted.length * 1000) / elapsedMs,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    elapsedMs,
    appCpuMsPerRequest: sorted.length ? cpuMs / sorted.length : Number.NaN,
    appCores: cpuMs / elapsedMs,
    machineCpuMsPerRequest: sorted.length ? cpu.machine / sorted.length : Number.NaN,
    driverCpuMsPerRequest: sorted.length ? cpu.driver / sorted.length : Number.NaN,
    machineCores: cpu.machine / elapsedMs,
    machineCoreCount: cpus().length,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process so far, in ms (fields 14 and 15 of /proc/PID/stat). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Busy CPU time of the whole machine so far, in ms: every column of /proc/stat's `cpu` line but idle and iowait. */
function machineCpuMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** This process's own CPU time so far (the load generator), in ms. */
function driverCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Runs `work(i)` for i in [0, count) on `clients` concurrent lanes; returns each call's latency. */
async function phase(pid: number, count: number, clients: number, work: (i: number) => Promise<void>): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = { app: cpuMsOf(pid), machine: machineCpuMs(), driver: driverCpuMs() };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await work(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - started;
  return summarise(latencies, elapsed, { app: cpuMsOf(pid) - cpuBefore.app, machine: machineCpuMs() - cpuBefore.machine, driver: driverCpuMs() - cpuBefore.driver });
}

async function waitUntilCaughtUp(port: number, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  let lastReport = performance.now();
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { checks?: { projections?: { lag?: Record<string, number> } } };
      const lags = Object.values(body.checks?.projections?.lag ?? {});
      if (lags.length > 0 && lags.every((l) => l === 0)) return;
      last = JSON.stringify(body.checks?.projections?.lag ?? body);
    } catch (error) {
      last = (error as Error).message;
    }
    if (performance.now() > deadline) throw new Error(`read models not caught up within ${timeoutMs} ms: ${last}`);
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(`  read models catching up: ${last}`);
    }
    await sleep(20);
  }
}

interface BenchEnterprise {
  readonly code: string;
  readonly district: string;
  /** An applicant token for the enterprise. */
  readonly token: string;
  /** Its submission's body (JSON) and its amendment's. */
  readonly submission: string;
  readonly amendment: string;
}

type SignToken = (claims: Record<string, unknown>) => string;

function tokenSigner(secret: string): SignToken {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return (claims) => signHs256({ iat: nowSeconds, exp: nowSeconds + 7200, ...claims }, secret);
}

/** `count` enterprises, each with its own credit code, token and submission. */
function benchEnterprises(count: number, token: SignToken): BenchEnterprise[] {
  return Array.from({ length: count }, (_, i) => {
    const district = DISTRICTS[i % DISTRICTS.length];
    const code = creditCode(i, district);
    return { code, district, token: token({ sub: `bench-ent-${i}`, role: 'applicant', org: code }), submission: JSON.stringify(profile(i, code, district, 50_000_000)), amendment: JSON.stringify(profile(i, code, district, 40_000_000)) };
  });
}

/** Publishes a rule-set version effective today (the shipped ones ended) and opens a call whose window is open today. */
async function openCall(agent: Agent, port: number, admin: string, now: Date): Promise<string> {
  const ruleSet = JSON.parse((await expectStatus(call(agent, port, 'GET', '/v1/rules/rule-sets/suzhou-2024-ipstd/versions/1', admin), 200, 'read the rule set')).body) as Record<string, unknown>;
  const versions = JSON.parse((await expectStatus(call(agent, port, 'GET', '/v1/rules/rule-sets?id=suzhou-2024-ipstd', admin), 200, 'list rule sets')).body) as { items: { version: number }[] };
  const version = Math.max(...versions.items.map((v) => v.version)) + 1;
  const year = now.getUTCFullYear();
  delete ruleSet.publishedAt;
  const published = { ...ruleSet, version, effective: { from: `${year - 1}-01-01`, to: `${year + 1}-12-31` } };
  await expectStatus(call(agent, port, 'POST', '/v1/rules/rule-sets', admin, JSON.stringify(published)), 201, 'publish a rule set effective today');
  const day = 86_400_000;
  const iso = (t: number) => new Date(t).toISOString();
  // The API guide's Suzhou call, with a window open today on the version just published.
  const terms = suzhouTerms({
    code: `BENCH-${now.getTime()}`,
    title: '基准测试计划',
    city: CITY,
    ruleSet: { id: 'suzhou-2024-ipstd', version },
    window: { opensAt: iso(now.getTime() - day), closesAt: iso(now.getTime() + 60 * day) },
    endorsementDeadline: iso(now.getTime() + 70 * day),
  });
  const created = await expectStatus(call(agent, port, 'POST', '/v1/programmes', admin, JSON.stringify(terms)), 201, 'open a call');
  return (JSON.parse(created.body) as { programmeId: string }).programmeId;
}

/** One REST run against a standalone app the caller started on a fresh database. */
export async function restWorkload(app: StartedStandalone, options: { readonly submissions: number; readonly clients: number; readonly secret: string; readonly log: (line: string) => void }): Promise<RestMeasurement> {
  const { port } = app;
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  try {
    const token = tokenSigner(options.secret);
    const admin = token({ sub: 'bench-admin', role: 'programme-admin', city: CITY });
    const programmeId = await openCall(agent, port, admin, new Date());

    const enterprises = benchEnterprises(options.submissions, token);
    const ids: string[] = new Array(options.submissions);

    options.log(`  ${options.submissions} submissions by ${options.clients} clients`);
    const submissions = await phase(app.pid, options.submissions, options.clients, async (i) => {
      const e = enterprises[i];
      const r = await expectStatus(call(agent, port, 'POST', `/v1/programmes/${programmeId}/applications`, e.token, e.submission), 201, `submission ${i}`);
      ids[i] = (JSON.parse(r.body) as { applicationId: string }).applicationId;
    });
    const submittedAt = performance.now();
    await waitUntilCaughtUp(port, 300_000, options.log);
    const catchUpMs = performance.now() - submittedAt;

    options.log(`  ${options.submissions} amendments by ${options.clients} clients`);
    const amendments = await phase(app.pid, options.submissions, options.clients, async (i) => {
      await expectStatus(call(agent, port, 'POST', `/v1/applications/${ids[i]}/amendments`, enterprises[i].token, enterprises[i].amendment), 200, `amendment ${i}`);
    });
    options.log(`  ${options.submissions} reads by ${options.clients} clients`);
    const reads = await phase(app.pid, options.submissions, options.clients, async (i) => {
      await expectStatus(call(agent, port, 'GET', `/v1/applications/${ids[i]}`, enterprises[i].token), 200, `read ${i}`);
    });
    return { submissions, amendments, reads, catchUpMs };
  } finally {
    agent.destroy();
  }
}

/**
 * The REST ceiling (#19): the submissions of a REST run (same enterprises, bodies, tokens, path shape)
 * sent by `clients` keep-alive clients to the bare ceiling server, through the same `call` and
 * `phase` as the app's workload; every request must answer 201, and the server's table must then
 * hold one row per request.
 */
export async function ceilingWorkload(server: StartedServer, options: { readonly requests: number; readonly clients: number; readonly secret: string; readonly log: (line: string) => void }): Promise<CeilingMeasurement> {
  const { port } = server;
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  try {
    const enterprises = benchEnterprises(options.requests, tokenSigner(options.secret));
    const path = `/v1/programmes/${randomUUID()}/applications`;
    const rowsBefore = await ceilingRows(agent, port);
    options.log(`  ${options.requests} submissions to the bare ceiling server by ${options.clients} clients`);
    const requests = await phase(server.pid, options.requests, options.clients, async (i) => {
      await expectStatus(call(agent, port, 'POST', path, enterprises[i].token, enterprises[i].submission), 201, `ceiling request ${i}`);
    });
    const rows = (await ceilingRows(agent, port)) - rowsBefore;
    if (rows !== options.requests) throw new Error(`the ceiling server answered ${options.requests} requests with 201 but committed ${rows} rows`);
    const sizes = enterprises.map((e) => Buffer.byteLength(e.submission)).sort((a, b) => a - b);
    return { requests, bodyBytes: sizes[Math.floor(sizes.length / 2)] };
  } finally {
    agent.destroy();
  }
}

async function ceilingRows(agent: Agent, port: number): Promise<number> {
  const r = await expectStatus(call(agent, port, 'GET', '/rows', ''), 200, 'count the ceiling rows');
  return (JSON.parse(r.body) as { rows: number }).rows;
}

export type { StartedStandalone };
