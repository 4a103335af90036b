import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { suzhouTerms } from '../support/fixtures';
import { freePort } from '../support/free-port';
import { RunningApp, builtApp, startBuiltApp, stopApp } from '../support/processes';

const root = join(__dirname, '..', '..');
const main = builtApp('standalone');
const tokenCli = join(root, 'dist', 'scripts', 'token.js');

const startStandalone = (env: Record<string, string>) => startBuiltApp(main, env);
const stop = (running: RunningApp) => stopApp(running);

describe('the embedded default (npm start)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ipstd-embedded-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the API on an embedded PostgreSQL in DATA_DIR and keeps the data across a restart', async () => {
    // The default: no TCP port, the server listens on a Unix socket in DATA_DIR/run only.
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    const first = await startStandalone(env);
    expect(first.output()).toContain('/docs');
    const token = execFileSync(process.execPath, [tokenCli, '--role', 'programme-admin', '--city', '320500'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir } }).toString().trim();
    const terms = suzhouTerms({ window: { opensAt: '2024-10-08T00:00:00+08:00', closesAt: '2099-11-17T23:59:59+08:00' }, endorsementDeadline: '2099-11-20T23:59:59+08:00' });
    const opened = await fetch(`${first.url}/v1/programmes`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(terms) });
    expect(opened.status).toBe(201);
    const { programmeId } = (await opened.json()) as { programmeId: string };
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    expect(await stop(first)).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'auth', 'hs256.key'))).toBe(true);

    expect(existsSync(join(dataDir, 'run', '.s.PGSQL.5432'))).toBe(false);

    // EMBEDDED_PG_PORT set: the same data, and the server also answers on 127.0.0.1:<port> (psql, pg_dump).
    const pgPort = await freePort();
    const second = await startStandalone({ ...env, EMBEDDED_PG_PORT: String(pgPort) });
    const again = await fetch(`${second.url}/v1/programmes/${programmeId}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { code: string }).code).toBe('SZ-2024-IPSTD');
    const client = new Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: 'postgres', database: 'ipstd' });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('select count(*) as n from es_events');
    // Both roles exist: the owner owns the log's tables, the service connects as the application role,
    // which may read and append es_events but not change, remove or truncate it.
    const { rows: roles } = await client.query<{ owner: string; users: string[]; update: boolean; del: boolean; truncate: boolean; insert: boolean }>(`
      select (select tableowner from pg_tables where tablename = 'es_events') as owner,
             (select array_agg(distinct usename::text) from pg_stat_activity where datname = 'ipstd' and usename <> 'postgres') as users,
             has_table_privilege('ipstd_app', 'es_events', 'UPDATE') as update, has_table_privilege('ipstd_app', 'es_events', 'DELETE') as del,
             has_table_privilege('ipstd_app', 'es_events', 'TRUNCATE') as truncate, has_table_privilege('ipstd_app', 'es_events', 'INSERT') as insert`);
    await client.end();
    expect(Number(rows[0].n)).toBeGreaterThan(0);
    expect(roles[0]).toEqual({ owner: 'ipstd_owner', users: ['ipstd_app'], update: false, del: false, truncate: false, insert: true });
    expect(await stop(second)).toBe(0);
  }, 180_000);

  it('refuses bad configuration at start, listing every problem, with exit code 2', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', PORT: 'eighty', EVENT_STORE: 'mongo', EMBEDDED_PG_PORT: '80', DATA_DIR: dataDir }, stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toContain('PORT must be an integer');
    expect(stderr).toContain("EVENT_STORE must be 'postgres' or 'eventstoredb'");
    expect(stderr).toContain('EMBEDDED_PG_PORT must be an integer between 1024 and 65535');
  });
});
