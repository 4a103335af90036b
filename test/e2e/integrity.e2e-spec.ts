import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { PlatformModule, Runtime, configureHttpApp } from '@ipstd/platform';
import { AuditModule, CHECKPOINT_STREAM, LogSealer, verifyExportFile } from '@ipstd/audit';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, asText, bearer, startTestApp } from '../support/app';
import { seededCreditCode as creditCode, submitApplications } from '../support/seed';

/** The audit module on the test app's runtime, sealing only when asked, in small batches to cross batch edges. */
@Module({})
class AuditTestModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: AuditTestModule, imports: [PlatformModule.forRoot(runtime), AuditModule.register({ ...runtime.config.audit, autoSeal: false, batchSize: 7 })] };
  }
}

const DISTRICTS = ['320505', '320506', '320507', '320571'];
const CLI = process.env.AUDIT_VERIFY_CLI ?? join(__dirname, '../../dist/scripts/verify.js');

interface Row {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_revision: string;
}

describe('log integrity', () => {
  let t: TestApp;
  let audit: INestApplication;
  let http: ReturnType<typeof request>;
  let sealer: LogSealer;
  let programmeId: string;
  const applicationIds: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-audit-'));
  const auditor = () => t.token({ role: 'auditor', city: '320500', sub: 'auditor-sz' });
  /** An auditor without a city claim (provincial or national audit): may export the whole log. */
  const chiefAuditor = () => t.token({ role: 'auditor', sub: 'auditor-national' });

  const integrity = async () => (await http.get('/v1/audit/integrity').set(bearer(auditor())).expect(200)).body;
  const rowOf = async (streamId: string, revision: number): Promise<Row> =>
    (await t.db.pool.query<Row>('select global_position, event_id, stream_id, stream_revision from es_events where stream_id = $1 and stream_revision = $2', [streamId, revision])).rows[0];
  const download = (query: string, token: string) => http.get(`/v1/audit/export${query}`).set(bearer(token)).buffer(true).parse(asText);
  const save = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };

  beforeAll(async () => {
    // The standalone app's own sealer (once wired) must not seal behind this suite's back: it counts checkpoints.
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { AUDIT_AUTO_SEAL: 'false' } });
    audit = await NestFactory.create(AuditTestModule.register(t.runtime), { bodyParser: false, logger: false });
    configureHttpApp(audit, t.config, t.runtime.ids, { title: 'audit test' });
    await audit.init();
    http = request(audit.getHttpServer());
    sealer = audit.get(LogSealer);

    const admin = t.token({ role: 'programme-admin', city: '320500' });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201)).body.programmeId;
    applicationIds.push(...(await submitApplications(t, programmeId, 6, DISTRICTS, 3)));
    const sealed = await sealer.sealNow();
    expect(sealed).toHaveLength(1);
    // One more event after the seal: it stays unsealed, protected by its stream's chain only.
    const code = creditCode(99, '320505');
    t.clock.advance(60_000);
    await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code })).expect(201);
    await t.projectionsCaughtUp();
  });
  afterAll(async () => {
    await audit?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('online verification', () => {
    it('holds on an untouched log and says how much is sealed', async () => {
      const report = await integrity();
      const { rows } = await t.db.pool.query('select count(*)::int as n, max(global_position)::int as head from es_events');
      expect(report).toMatchObject({ ok: true, eventsChecked: rows[0].n, checkpointsChecked: 1, firstBrokenLink: null, checkedUpTo: rows[0].head });
      expect(report.unsealedEvents).toBeGreaterThanOrEqual(2);
      expect(await sealer.sealNow()).toHaveLength(1);
      expect(await integrity()).toMatchObject({ ok: true, checkpointsChecked: 2, unsealedEvents: 1 });
    });

    it('names an event whose data was altered in PostgreSQL', async () => {
      const streamId = `application-${applicationIds[1]}`;
      const row = await rowOf(streamId, 0);
      const { rows } = await t.db.pool.query('select data from es_events where event_id = $1', [row.event_id]);
      await t.db.tamper(`update es_events set data = jsonb_set(data, '{profile,project,requestedAmountFen}', '1') where event_id = $1`, [row.event_id]);
      try {
        const report = await integrity();
        expect(report.ok).toBe(false);
        expect(report.firstBrokenLink).toMatchObject({ kind: 'hash-mismatch', streamId, revision: 0, globalPosition: Number(row.global_position), eventId: row.event_id });
      } finally {
        await t.db.tamper('update es_events set data = $2 where event_id = $1', [row.event_id, rows[0].data]);
      }
      expect((await integrity()).ok).toBe(true);
    });

    it('names the stream and revision of a deleted event', async () => {
      const streamId = `application-${applicationIds[0]}`;
      const successor = await rowOf(streamId, 2);
      const { rows } = await t.db.tamper('delete from es_events where stream_id = $1 and stream_revision = 1 returning *', [streamId]);
      try {
        const report = await integrity();
        expect(report.firstBrokenLink).toMatchObject({ kind: 'revision-gap', streamId, revision: 1, globalPosition: Number(successor.global_position), eventId: successor.event_id });
        expect(report.problems.map((p: { kind: string }) => p.kind)).toContain('checkpoint-mismatch');
      } finally {
        const columns = Object.keys(rows[0]);
        await t.db.pool.query(
          `insert into es_events (${columns.join(', ')}) overriding system value values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => (c === 'data' || c === 'metadata' ? JSON.stringify(rows[0][c]) : rows[0][c])),
        );
      }
      expect((await integrity()).ok).toBe(true);
    });

    describe('when rows swap their global positions', () => {
      /** Swaps the current global positions of two rows, through a free value for the primary key. */
      const swap = async (a: Row, b: Row) => {
        const position = async (row: Row) => (await t.db.pool.query('select global_position from es_events where event_id = $1', [row.event_id])).rows[0].global_position;
        const [pa, pb] = [await position(a), await position(b)];
        await t.db.tamper('update es_events set global_position = -1 where event_id = $1', [a.event_id]);
        await t.db.tamper('update es_events set global_position = $2 where event_id = $1', [b.event_id, pa]);
        await t.db.tamper('update es_events set global_position = $2 where event_id = $1', [a.event_id, pb]);
      };
      beforeAll(() => t.db.pool.query('alter table es_events alter column global_position set generated by default'));
      afterAll(() => t.db.pool.query('alter table es_events alter column global_position set generated always'));

      it('names the first of two events of a stream that changed places', async () => {
        const streamId = `application-${applicationIds[3]}`;
        const [first, second] = [await rowOf(streamId, 1), await rowOf(streamId, 2)];
        await swap(first, second);
        try {
          const report = await integrity();
          expect(report.firstBrokenLink).toMatchObject({ kind: 'reordered', streamId, revision: 2, globalPosition: Number(first.global_position), eventId: second.event_id });
        } finally {
          await swap(second, first);
        }
        expect((await integrity()).ok).toBe(true);
      });

      it('finds events of two streams that changed places through the checkpoint that sealed them', async () => {
        const { rows } = await t.db.pool.query<Row>('select global_position, event_id, stream_id, stream_revision from es_events order by global_position');
        const i = rows.findIndex((r, k) => k > 0 && r.stream_id !== rows[k - 1].stream_id && r.stream_id !== CHECKPOINT_STREAM && rows[k - 1].stream_id !== CHECKPOINT_STREAM);
        const [a, b] = [rows[i - 1], rows[i]];
        await swap(a, b);
        try {
          const report = await integrity();
          expect(report.problems).toHaveLength(1);
          expect(report.firstBrokenLink).toMatchObject({ kind: 'checkpoint-mismatch', streamId: CHECKPOINT_STREAM, revision: 0 });
          expect(report.firstBrokenLink.detail).toMatch(/^checkpoint 1 sealed \d+ events in \(0, \d+\]/);
        } finally {
          await swap(b, a);
        }
        expect((await integrity()).ok).toBe(true);
      });
    });
  });

  describe('export and offline verification', () => {
    it('exports the whole log as NDJSON that verifies offline, checkpoint digests included', async () => {
      const response = await download('', chiefAuditor()).expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = (response.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ kind: 'header', format: 'ipstd-audit-export', version: 1, scope: 'full', completeStreams: true, filter: { from: null, to: null, programmeId: null, city: null } });
      expect(lines.filter((l) => l.kind === 'checkpoint')).toHaveLength(2);
      expect(lines[lines.length - 1]).toEqual({ kind: 'end', events: lines.filter((l) => l.kind === 'event').length, checkpoints: 2 });
      const { header, report } = await verifyExportFile(save('full.ndjson', response.body));
      expect(header.scope).toBe('full');
      expect(report).toMatchObject({ ok: true, checkpointsChecked: 2, firstBrokenLink: null });
    });

    it('names a tampered line of an export, and the CLI exits 0 on the intact file and 1 on the tampered one', async () => {
      const body: string = (await download('', chiefAuditor()).expect(200)).body;
      const lines = body.split('\n');
      const index = lines.findIndex((l) => l.includes('"type":"ApplicationSubmitted"') && l.includes('企业2'));
      const original = JSON.parse(lines[index]).event;
      lines[index] = lines[index].replace('企业2', '企业X');
      const intact = save('intact.ndjson', body);
      const tampered = save('tampered.ndjson', lines.join('\n'));
      const { report } = await verifyExportFile(tampered);
      expect(report.firstBrokenLink).toMatchObject({ kind: 'hash-mismatch', streamId: original.streamId, revision: 0, globalPosition: original.globalPosition, eventId: original.eventId });
      if (!existsSync(CLI)) return; // dist is built by `npm test`; a bare jest run checks the function only
      const ok = spawnSync(process.execPath, [CLI, intact], { encoding: 'utf8' });
      expect(ok.stdout).toContain('OK');
      expect(ok.status).toBe(0);
      const broken = spawnSync(process.execPath, [CLI, tampered], { encoding: 'utf8' });
      expect(broken.stdout).toContain(`BROKEN: hash-mismatch at stream ${original.streamId}, revision 0`);
      expect(broken.status).toBe(1);
      writeFileSync(join(dir, 'garbage.ndjson'), 'not an export\n');
      expect(spawnSync(process.execPath, [CLI, join(dir, 'garbage.ndjson')], { encoding: 'utf8' }).status).toBe(2);
    });

    it("exports a programme: its own, its applications' and its grants' streams, with the checkpoints covering them", async () => {
      const body: string = (await download(`?programmeId=${programmeId}`, auditor()).expect(200)).body;
      const lines = body.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ scope: 'filtered', completeStreams: true, filter: { programmeId, city: null } });
      const streams = new Set(lines.filter((l) => l.kind === 'event').map((l) => l.event.streamId));
      expect(streams).toEqual(new Set([`programme-${programmeId}`, ...applicationIds.map((id) => `application-${id}`), expect.stringMatching(/^application-/)]));
      expect(lines.filter((l) => l.kind === 'checkpoint').length).toBeGreaterThanOrEqual(1);
      const { report } = await verifyExportFile(save('programme.ndjson', body));
      expect(report).toMatchObject({ ok: true, scope: 'filtered', checkpointsChecked: 0, streamsChecked: 8 });
      const original = readFileSync(join(dir, 'programme.ndjson'), 'utf8');
      const withoutOne = original.split('\n').filter((l) => !(l.includes(`"streamId":"application-${applicationIds[0]}"`) && l.includes('"revision":1,'))).join('\n');
      const gap = await verifyExportFile(save('programme-gap.ndjson', withoutOne));
      expect(gap.report.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['revision-gap', 'export-incomplete']));
    });

    it("exports a time range of the auditor's city", async () => {
      const { rows } = await t.db.pool.query("select recorded_at from es_events where stream_id = $1 order by stream_revision", [`application-${applicationIds[2]}`]);
      const from = (rows[0].recorded_at as Date).toISOString();
      const body: string = (await download(`?from=${encodeURIComponent(from)}`, auditor()).expect(200)).body;
      const lines = body.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ scope: 'filtered', completeStreams: false, filter: { from, to: null, city: '320500' } });
      expect(lines.filter((l) => l.kind === 'event').every((l) => l.event.recordedAt >= from)).toBe(true);
      expect((await verifyExportFile(save('range.ndjson', body))).report.ok).toBe(true);
    });
  });

  describe('the running sealer', () => {
    const checkpointCount = async () => (await t.db.pool.query('select count(*)::int as n from es_events where stream_id = $1', [CHECKPOINT_STREAM])).rows[0].n as number;
    const until = async (condition: () => Promise<boolean>) => {
      for (const started = Date.now(); !(await condition()); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() - started > 10_000) throw new Error('timed out');
      }
    };
    const submit = async (i: number) => {
      const code = creditCode(200 + i, '320506');
      await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320506' })).expect(201);
    };

    it('seals after N events, and after T seconds when fewer come, and the log still verifies', async () => {
      const running = new LogSealer(t.runtime.store, t.clock, t.runtime.ids, { everyEvents: 4, everySeconds: 600, pollMs: 20, pool: t.runtime.pool });
      await running.start();
      try {
        const before = await checkpointCount();
        await submit(1); // two events each: submitted, assessed
        await submit(2);
        await until(async () => (await checkpointCount()) === before + 1);
        await submit(3);
        await new Promise((r) => setTimeout(r, 200));
        expect(await checkpointCount()).toBe(before + 1);
        t.clock.advance(600_000);
        await until(async () => (await checkpointCount()) === before + 2);
        expect(await integrity()).toMatchObject({ ok: true, checkpointsChecked: before + 2, unsealedEvents: 1 });
      } finally {
        await running.stop();
      }
    });
  });

  describe('who may verify and export', () => {
    it('refuses other roles, auditors of another city on a programme, and bad ranges', async () => {
      for (const token of [t.token({ role: 'programme-admin', city: '320500' }), t.token({ role: 'finance', city: '320500' }), t.token({ role: 'applicant', org: creditCode(1, '320506') })]) {
        await http.get('/v1/audit/integrity').set(bearer(token)).expect(403);
        await http.get('/v1/audit/export').set(bearer(token)).expect(403);
      }
      await http.get('/v1/audit/integrity').expect(401);
      const rizhao = t.token({ role: 'auditor', city: '371100' });
      expect((await http.get(`/v1/audit/export?programmeId=${programmeId}`).set(bearer(rizhao)).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
      await http.get('/v1/audit/export?programmeId=00000000-0000-4000-8000-000000000000').set(bearer(auditor())).expect(404);
      expect((await http.get('/v1/audit/export?from=2024-11-02T00:00:00Z&to=2024-11-01T00:00:00Z').set(bearer(auditor())).expect(400)).body.code).toBe('EXPORT_RANGE_INVALID');
      expect((await http.get('/v1/audit/export?from=yesterday').set(bearer(auditor())).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });
});
