import { createHash } from 'node:crypto';
import { ProjectionRunner, applyEvents } from '@ipstd/platform';
import { ALL_PROJECTIONS } from '@ipstd/read-models';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { seededCreditCode as creditCode, submitApplications } from '../support/seed';

const DISTRICTS = ['320505', '320506', '320507', '320571'];

async function tableChecksum(t: TestApp, table: string, orderBy: string): Promise<string> {
  const { rows } = await t.db.pool.query(`select * from ${table} order by ${orderBy}`);
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

describe('read models', () => {
  let t: TestApp;
  let programmeId: string;
  const applicationIds: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201)).body.programmeId;
    applicationIds.push(...(await submitApplications(t, programmeId, 12, DISTRICTS, 5)));
    await t.projectionsCaughtUp();
  });
  afterAll(() => t?.close());

  describe('applications of a programme', () => {
    const list = (token: string, query = '') => t.http.get(`/v1/programmes/${programmeId}/applications${query}`).set(bearer(token));

    it('pages through every application in submission order with an opaque cursor', async () => {
      const auditor = t.token({ role: 'auditor', city: '320500' });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response: { body: { items: Array<{ applicationId: string }>; nextCursor: string | null } } = await list(auditor, `?limit=5${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        seen.push(...response.body.items.map((i) => i.applicationId));
        cursor = response.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(applicationIds);
    });

    it('filters by status and district', async () => {
      const admin = t.token({ role: 'programme-admin', city: '320500' });
      const withdrawn = (await list(admin, '?status=withdrawn').expect(200)).body.items;
      expect(withdrawn.map((i: { applicationId: string }) => i.applicationId)).toEqual([applicationIds[0], applicationIds[5], applicationIds[10]]);
      const inWuzhong = (await list(admin, '?district=320506&status=submitted').expect(200)).body.items;
      expect(inWuzhong.map((i: { applicationId: string }) => i.applicationId)).toEqual([applicationIds[1], applicationIds[9]]);
      expect(inWuzhong.every((i: { district: string; status: string }) => i.district === '320506' && i.status === 'submitted')).toBe(true);
    });

    it('shows a district office only its district and an applicant only its own', async () => {
      const office = (await list(t.token({ role: 'district-office', district: '320507' })).expect(200)).body.items;
      expect(office.map((i: { district: string }) => i.district)).toEqual(['320507', '320507', '320507']);
      const own = (await list(t.token({ role: 'applicant', org: creditCode(3, DISTRICTS[3]) })).expect(200)).body.items;
      expect(own.map((i: { applicationId: string }) => i.applicationId)).toEqual([applicationIds[3]]);
    });

    it('refuses experts and finance, a bad cursor and an out-of-range limit', async () => {
      await list(t.token({ role: 'expert', sub: 'e1' })).expect(403);
      await list(t.token({ role: 'finance', city: '320500' })).expect(403);
      const auditor = t.token({ role: 'auditor', city: '320500' });
      expect((await list(auditor, '?cursor=garbage').expect(400)).body.code).toBe('CURSOR_INVALID');
      expect((await list(auditor, '?limit=5000').expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await list(auditor, '?status=bogus').expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('audit views', () => {
    it('shows every event of a stream with its envelope and a hash chain', async () => {
      const auditor = t.token({ role: 'auditor', city: '320500', sub: 'auditor-1' });
      const response = await t.http.get(`/v1/audit/streams/application-${applicationIds[0]}`).set(bearer(auditor)).expect(200);
      const [submitted, assessed, withdrawn] = response.body.events;
      expect(submitted).toMatchObject({ type: 'ApplicationSubmitted', revision: 0, previousHash: null, actor: { role: 'applicant', userId: 'ent-0' } });
      expect(assessed).toMatchObject({ type: 'EligibilityAssessed', revision: 1, previousHash: submitted.hash });
      expect(withdrawn).toMatchObject({ type: 'ApplicationWithdrawn', revision: 2, previousHash: assessed.hash });
      expect(submitted.correlationId).toBeTruthy();
      expect(submitted.recordedAt).toMatch(/Z$/);
    });

    it('pages a long stream', async () => {
      const auditor = t.token({ role: 'auditor', city: '320500' });
      const page = await t.http.get(`/v1/audit/streams/application-${applicationIds[0]}?limit=1`).set(bearer(auditor)).expect(200);
      expect(page.body.events).toHaveLength(1);
      expect(page.body.nextFromRevision).toBe(1);
    });

    it("is for auditors of the stream's city only", async () => {
      await t.http.get(`/v1/audit/streams/programme-${programmeId}`).set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(200);
      // Another city's stream reads like a missing one (no existence oracle).
      await t.http.get(`/v1/audit/streams/programme-${programmeId}`).set(bearer(t.token({ role: 'auditor', city: '371100' }))).expect(404);
      await t.http.get(`/v1/audit/streams/programme-${programmeId}`).set(bearer(t.token({ role: 'programme-admin', city: '320500' }))).expect(403);
      await t.http.get('/v1/audit/streams/programme-nope').set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(404);
    });

    it('tells the decision history of an application: who, role, organisation, when, what', async () => {
      const auditor = t.token({ role: 'auditor', city: '320500' });
      const response = await t.http.get(`/v1/audit/applications/${applicationIds[5]}/history`).set(bearer(auditor)).expect(200);
      expect(response.body.entries.map((e: { type: string }) => e.type)).toEqual(['ApplicationSubmitted', 'EligibilityAssessed', 'ApplicationWithdrawn']);
      expect(response.body.entries[1].what.en).toBe('Assessed on submission under suzhou-2024-ipstd v1: eligible');
      expect(response.body.entries[1].details).toMatchObject({ ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, referenceDate: '2024-11-17' });
      const [first] = response.body.entries;
      expect(first.who).toEqual({ userId: 'ent-5', role: 'applicant', organisation: creditCode(5, DISTRICTS[1]) });
      expect(first.what.zh).toContain('企业5');
      expect(first.what.en).toContain('submitted');
      expect(first.recordedAt).toBeTruthy();
      expect(first.effectiveAt).toBeTruthy();
      await t.http.get(`/v1/audit/applications/${applicationIds[5]}/history`).set(bearer(t.token({ role: 'auditor', city: '371100' }))).expect(404);
    });
  });

  describe('projection runner', () => {
    it('rebuilding from the log gives byte-identical tables', async () => {
      const before = [await tableChecksum(t, 'rm_applications', 'application_id'), await tableChecksum(t, 'rm_application_history', 'application_id, revision')];
      await t.app.get(ProjectionRunner).rebuild();
      const after = [await tableChecksum(t, 'rm_applications', 'application_id'), await tableChecksum(t, 'rm_application_history', 'application_id, revision')];
      expect(after).toEqual(before);
      const { rows } = await t.db.pool.query('select count(*)::int as n from rm_applications');
      expect(rows[0].n).toBe(12);
    });

    it('keeps projecting live after a rebuild', async () => {
      const code = creditCode(99, '320505');
      await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code })).expect(201);
      await t.projectionsCaughtUp();
      const { rows } = await t.db.pool.query('select count(*)::int as n from rm_applications');
      expect(rows[0].n).toBe(13);
    });

    it('a second process projecting at the same time applies no event twice: the checkpoint locked in the transaction guards the rows', async () => {
      const otherStore = new PostgresEventStore(t.db.pool, { pollIntervalMs: 20 });
      const replica = new ProjectionRunner(t.db.pool, otherStore, ALL_PROJECTIONS);
      await replica.start();
      try {
        for (let i = 0; i < 6; i++) {
          const code = creditCode(120 + i, '320505');
          await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code })).expect(201);
        }
        await t.projectionsCaughtUp();
        const live = [await tableChecksum(t, 'rm_applications', 'application_id'), await tableChecksum(t, 'rm_application_history', 'application_id, revision')];
        await t.app.get(ProjectionRunner).rebuild();
        expect([await tableChecksum(t, 'rm_applications', 'application_id'), await tableChecksum(t, 'rm_application_history', 'application_id, revision')]).toEqual(live);
      } finally {
        await replica.stop();
        await otherStore.close();
      }
    });

    // A batch that fails half-way rolls back its rows and checkpoint together: that is the runner's to
    // show, and libs/platform/test/subscription-runner.spec.ts does ("takes a failing consumer out of
    // the shared transaction"). A test here that began, failed and rolled back a transaction by hand
    // showed only that PostgreSQL rolls back.

    it('a fresh runner resumes from the stored checkpoint without reapplying', async () => {
      const otherStore = new PostgresEventStore(t.db.pool);
      const runner = new ProjectionRunner(t.db.pool, otherStore, ALL_PROJECTIONS);
      const before = await tableChecksum(t, 'rm_applications', 'application_id');
      await runner.start();
      await new Promise((r) => setTimeout(r, 200));
      expect(runner.status().every((s) => s.running)).toBe(true);
      await runner.stop();
      await otherStore.close();
      expect(await tableChecksum(t, 'rm_applications', 'application_id')).toBe(before);
    });
  });
  describe('events stored before the city was stamped into metadata', () => {
    it('reads their city through the metadata upcaster: the programmes list, the audit scope and the ledger of an older Rizhao call', async () => {
      const legacyId = '0190a4b2-0000-7000-8000-00000000f001';
      const grantId = '0190a4b2-0000-7000-8000-00000000f0b1';
      // Metadata and data as an earlier build stored them: no `city` key, ProgrammeOpened at schema 1.
      const metadata = JSON.parse('{"actor":{"userId":"admin-rz","role":"programme-admin","organisation":"371100"},"correlationId":"legacy","causationId":null,"effectiveAt":"2024-09-01T02:00:00.000Z","idempotencyKey":null}');
      const opened = JSON.parse(
        `{"programmeId":"${legacyId}","openedAt":"2024-09-01T02:00:00.000Z","terms":{"code":"RZ-LEGACY","title":"日照旧申报通知","city":"371100","ruleSet":{"id":"rizhao-pilot","version":1},"window":{"opensAt":"2024-09-01T00:00:00.000Z","closesAt":"2024-10-31T09:00:00.000Z"},"endorsementDeadline":"2024-11-15T09:00:00.000Z","budgetFen":500000000,"tranchePlan":[{"percent":100,"trigger":"evaluation-passed"}],"review":{"panelSize":3,"aggregation":"mean","defenseSize":0,"criteria":[{"id":"a","max":100}]},"implementationMonths":12,"acceptanceLeadMonths":3}}`,
      );
      const awarded = JSON.parse(
        `{"grantId":"${grantId}","applicationId":"0190a4b2-0000-7000-8000-00000000f0a1","programmeId":"${legacyId}","enterprise":{"creditCode":"91371102MA3C00000X","name":"日照旧企业","district":"371102"},"awardFen":30000000,"tranches":[{"trancheNo":1,"percent":100,"amountFen":30000000,"trigger":"evaluation-passed"}],"implementation":{"startsAt":"2024-12-01T02:00:00.000Z","endsAt":"2025-12-01T02:00:00.000Z","months":12},"acceptanceLeadMonths":3,"targets":[],"awardedAt":"2024-12-01T02:00:00.000Z"}`,
      );
      const store = t.runtime.store;
      await store.appendToStream(`programme-${legacyId}`, [{ eventId: t.runtime.ids.next(), type: 'ProgrammeOpened', schemaVersion: 1, data: opened, metadata }], { expectedRevision: 'no-stream' });
      await store.appendToStream(`grant-${grantId}`, [{ eventId: t.runtime.ids.next(), type: 'GrantAwarded', schemaVersion: 1, data: awarded, metadata }], { expectedRevision: 'no-stream' });
      await t.projectionsCaughtUp();

      const rizhao = await t.http.get('/v1/programmes').set(bearer(t.token({ role: 'programme-admin', city: '371100' }))).expect(200);
      expect(rizhao.body.items.find((p: { programmeId: string }) => p.programmeId === legacyId)).toMatchObject({ city: '371100', code: 'RZ-LEGACY' });
      const suzhou = await t.http.get('/v1/programmes').set(bearer(t.token({ role: 'programme-admin', city: '320500' }))).expect(200);
      expect(suzhou.body.items.map((p: { programmeId: string }) => p.programmeId)).not.toContain(legacyId);
      await t.http.get(`/v1/audit/streams/programme-${legacyId}`).set(bearer(t.token({ role: 'auditor', city: '371100' }))).expect(200);
      await t.http.get(`/v1/audit/streams/programme-${legacyId}`).set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(404);
      const { rows } = await t.db.pool.query(`select city from rm_finance_ledger where grant_id = $1 and kind = 'awarded'`, [grantId]);
      expect(rows).toEqual([{ city: '371100' }]);
    });
  });
});
