import { Pool } from 'pg';
import { migrateAsOwner, runMigrations } from '@ipstd/platform';
import { LogSealer } from '@ipstd/audit';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

/**
 * Issue 14 item 5: the application connects as a role that may read and append es_events but not
 * change, remove or truncate a row, nor switch the append-only trigger off; the event store's
 * migrations run as an owner role (MIGRATION_DATABASE_URL), which grants the application its share.
 */
describe('database roles: the application may only read and append the log; the owner migrates', () => {
  let t: TestApp;
  let app: Pool;
  let owner: Pool;

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', roles: true });
    app = new Pool({ connectionString: t.roles!.appUrl, max: 2 });
    owner = new Pool({ connectionString: t.roles!.ownerUrl, max: 2 });
  });
  afterAll(async () => {
    await app?.end();
    await owner?.end();
    await t?.close();
  });

  it('runs the whole service as the application role: commands append, projections and the Merkle tree build their tables', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    const { programmeId } = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201)).body as { programmeId: string };
    await t.projectionsCaughtUp();
    await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(admin)).expect(200);
    expect(await t.app.get(LogSealer).sealNow()).toHaveLength(1);
    const note = (await t.http.get('/v1/audit/checkpoint').set(bearer(t.token({ role: 'auditor' }))).expect(200)).text;
    const stored = Number((await app.query('select count(*) as n from es_events')).rows[0].n);
    expect(stored).toBeGreaterThanOrEqual(2);
    expect(Number(note.split('\n')[1])).toBe(stored);
    const { rows } = await t.db.pool.query<{ usename: string }>("select distinct usename from pg_stat_activity where datname = current_database() and usename <> current_user");
    expect(rows.map((r) => r.usename)).toEqual([t.roles!.app]);
  });

  it('the owner owns the event store tables; the application owns only its own', async () => {
    const { rows } = await t.db.pool.query<{ tablename: string; tableowner: string }>("select tablename, tableowner from pg_tables where schemaname = 'public' order by tablename");
    const owners = Object.fromEntries(rows.map((r) => [r.tablename, r.tableowner]));
    for (const table of ['es_events', 'es_streams', 'es_idempotency', 'schema_migrations']) expect(owners[table]).toBe(t.roles!.owner);
    expect(owners.http_idempotency).toBe(t.roles!.app);
    expect(owners.audit_merkle_nodes).toBe(t.roles!.app);
  });

  it("refuses the application role's UPDATE, DELETE and TRUNCATE on es_events with permission errors, and it cannot switch the trigger off", async () => {
    for (const sql of ['update es_events set data = data', 'delete from es_events where global_position = 1', 'truncate es_events cascade']) {
      await expect(app.query(sql)).rejects.toMatchObject({ code: '42501', message: 'permission denied for table es_events' });
    }
    await expect(app.query('alter table es_events disable trigger es_events_no_update_delete')).rejects.toMatchObject({ code: '42501', message: 'must be owner of table es_events' });
    // GRANT by a role without grant option only warns ("no privileges were granted"): still refused after it.
    await app.query('grant update on es_events to current_user');
    await expect(app.query('update es_events set data = data')).rejects.toMatchObject({ code: '42501', message: 'permission denied for table es_events' });
    await expect(app.query('drop table es_events')).rejects.toMatchObject({ code: '42501' });
    await expect(app.query('select count(*) from es_events')).resolves.toBeDefined();
    // Even the owner meets the refusing trigger (it could switch it off: that is why nobody runs the service as the owner).
    await expect(owner.query('delete from es_events where global_position = 1')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('es_events is append-only') });
    expect((await t.db.pool.query('select min(global_position) as p from es_events')).rows[0].p).toBe('1');
  });

  it('the owner migrates: again at a restart (idempotent, grants kept) and a later migration of its own', async () => {
    await migrateAsOwner({ connectionString: t.roles!.ownerUrl }, app);
    const applied = await runMigrations(owner, 'roles-test', [{ version: 1, name: 'an index on es_events', sql: 'create index es_events_roles_test_idx on es_events (recorded_at)' }]);
    expect(applied).toEqual([1]);
    await expect(runMigrations(app, 'roles-test-app', [{ version: 1, name: 'an index on es_events', sql: 'create index es_events_app_idx on es_events (effective_at)' }])).rejects.toThrow(/must be owner of table es_events/);
    const { rows } = await t.db.pool.query<{ p: string }>("select privilege_type as p from information_schema.role_table_grants where table_name = 'es_events' and grantee = $1 order by 1", [t.roles!.app]);
    expect(rows.map((r) => r.p)).toEqual(['INSERT', 'SELECT']);
  });
});
