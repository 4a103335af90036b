import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { seededShuffle } from '@ipstd/applications';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

const DISTRICTS = ['320505', '320506', '320507', '320505'];
const code = (i: number) => {
  const first17 = `91${DISTRICTS[i % DISTRICTS.length]}MA${String(i).padStart(7, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};
const UNIVERSITY = '12320000466007236X';

describe('expert pool and random panel draw over REST', () => {
  let t: TestApp;
  let admin: string;
  let programmeId: string;
  const ids: string[] = [];
  const pool = '/v1/expert-pools/320500/experts';
  const expert = (id: string) => t.token({ role: 'expert', sub: id });
  const scores = { scores: [{ criterionId: 'strategy', score: 20 }, { criterionId: 'ip-standards-base', score: 30 }, { criterionId: 'targets', score: 20 }], comment: '' };
  const register = (expertId: string, over: Record<string, unknown> = {}) => t.http.post(pool).set(bearer(admin)).send({ expertId, name: `专家${expertId}`, organisation: UNIVERSITY, fields: ['0812'], ...over });

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-1' });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201)).body.programmeId;
    for (let i = 0; i < 4; i++) {
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code(i) }))).send(suzhouProfile({ creditCode: code(i), district: DISTRICTS[i] }));
      expect(response.status).toBe(201);
      ids.push(response.body.applicationId);
    }
    t.clock.set('2024-11-19T02:00:00Z');
    for (let i = 0; i < 4; i++) {
      await t.http.post(`/v1/applications/${ids[i]}/endorsement`).set(bearer(t.token({ role: 'district-office', district: DISTRICTS[i] }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    }
  });
  afterAll(() => t?.close());

  describe('registration', () => {
    it('registers experts with their organisation, fields and links', async () => {
      for (let k = 1; k <= 9; k++) await register(`e${k}`).expect(201);
      const linked = await register('x-share', { shareholdings: [code(0)], coApplications: [code(1)] }).expect(201);
      expect(linked.body).toMatchObject({ expertId: 'x-share', active: true, shareholdings: [code(0)], coApplications: [code(1)], employer: null });
      await register('x-org', { organisation: code(0) }).expect(201);
      await register('x-employer', { employer: code(0) }).expect(201);
      await register('y1', { fields: ['0835'] }).expect(201);
      await register('z-retired').expect(201);
      await t.http.post(`${pool}/z-retired/deactivation`).set(bearer(admin)).send({ reason: '退休' }).expect(200);
    });

    it('refuses bad input, duplicates and callers outside the city with stable codes, never a 500', async () => {
      expect((await register('e1', { name: '另一人' }).expect(409)).body.code).toBe('EXPERT_ALREADY_REGISTERED');
      expect((await register('bad', { organisation: 'not-a-code' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await register('bad', { fields: [] }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await register('bad', { shareholdings: ['x'.repeat(18)] }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await register('bad/../x').expect(400)).body.code).toBe('VALIDATION_FAILED');
      const other = t.token({ role: 'programme-admin', city: '371100' });
      expect((await t.http.post(pool).set(bearer(other)).send({ expertId: 'q', name: 'q', organisation: UNIVERSITY, fields: ['0812'] }).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
      expect((await t.http.post(pool).set(bearer(expert('e1'))).send({ expertId: 'q', name: 'q', organisation: UNIVERSITY, fields: ['0812'] }).expect(403)).body.code).toBe('ROLE_FORBIDDEN');
      expect((await t.http.get('/v1/expert-pools/999999/experts').set(bearer(admin)).expect(404)).body.code).toBe('EXPERT_POOL_NOT_FOUND');
      const missing = await t.http.put(`${pool}/nobody`).set(bearer(admin)).send({ name: 'n', organisation: UNIVERSITY, fields: ['0812'] }).expect(404);
      expect(missing.body).toMatchObject({ code: 'EXPERT_NOT_FOUND' });
      expect(missing.body.detailZh).toBeTruthy();
    });

    it('updates an expert and lists the pool in pages', async () => {
      const updated = await t.http.put(`${pool}/e9`).set(bearer(admin)).send({ name: '专家e9', organisation: UNIVERSITY, fields: ['0812', '0835'] }).expect(200);
      expect(updated.body.fields).toEqual(['0812', '0835']);
      const first = await t.http.get(`${pool}?limit=5`).set(bearer(admin)).expect(200);
      expect(first.body.items).toHaveLength(5);
      const second = await t.http.get(`${pool}?limit=100&after=${first.body.next}`).set(bearer(admin)).expect(200);
      expect([...first.body.items, ...second.body.items]).toHaveLength(14);
      expect(second.body.next).toBeNull();
      const field = await t.http.get(`${pool}?field=0835&active=true`).set(bearer(admin)).expect(200);
      expect(field.body.items.map((e: { expertId: string }) => e.expertId)).toEqual(['e9', 'y1']);
      await t.http.get(`${pool}?limit=0`).set(bearer(admin)).expect(400);
      await t.http.get(pool).set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(200);
    });
  });

  describe('draw', () => {
    let drawn: string[];
    let reserves: string[];

    it('draws the call\'s panel size from the field, never an expert with a conflict, and records seed and pool digest', async () => {
      const response = await t.http.post(`/v1/applications/${ids[0]}/review-panel/draw`).set(bearer(admin)).send({ field: '0812', reserves: 3 }).expect(200);
      drawn = response.body.review.panel;
      reserves = response.body.review.reserves;
      expect(drawn).toHaveLength(5);
      expect(reserves).toHaveLength(3);
      for (const excluded of ['x-share', 'x-org', 'x-employer', 'y1', 'z-retired']) expect([...drawn, ...reserves]).not.toContain(excluded);
      const events = await t.runtime.store.readStream(`application-${ids[0]}`);
      const event = events.find((e) => e.type === 'ReviewPanelDrawn')!;
      const data = event.data as { seed: string; poolDigest: string; eligible: string[]; drawn: Array<{ expertId: string }>; reserves: Array<{ expertId: string }> };
      expect(data.seed).toMatch(/^[0-9a-f]{64}$/);
      expect(data.poolDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(data.eligible).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
      expect(seededShuffle(data.eligible, data.seed).slice(0, 8)).toEqual([...drawn, ...reserves]);
      // The pool records the same draw.
      const poolEvents = await t.runtime.store.readStream('expert-pool-320500');
      expect(poolEvents.find((e) => e.type === 'ExpertsDrawn')!.data).toEqual(event.data);
    });

    it('refuses a second draw, a draw outside the city, bad bodies and too small a pool', async () => {
      expect((await t.http.post(`/v1/applications/${ids[0]}/review-panel/draw`).set(bearer(admin)).send({ field: '0812' }).expect(409)).body.code).toBe('REVIEW_PANEL_ALREADY_ASSIGNED');
      const other = t.token({ role: 'programme-admin', city: '371100' });
      expect((await t.http.post(`/v1/applications/${ids[1]}/review-panel/draw`).set(bearer(other)).send({ field: '0812' }).expect(404)).body.code).toBe('APPLICATION_NOT_FOUND');
      for (const body of [{}, { field: '' }, { field: '0812', reserves: 11 }, { field: '0812', maxAssignmentsPerExpert: 0 }, { field: ['0812'] }]) {
        expect((await t.http.post(`/v1/applications/${ids[1]}/review-panel/draw`).set(bearer(admin)).send(body).expect(400)).body.code).toBe('VALIDATION_FAILED');
      }
      const small = await t.http.post(`/v1/applications/${ids[1]}/review-panel/draw`).set(bearer(admin)).send({ field: '0835' }).expect(422);
      expect(small.body).toMatchObject({ code: 'EXPERT_POOL_TOO_SMALL', eligible: 2, panelSize: 5 });
      await t.http.post('/v1/applications/0190a4b2-0000-7000-8000-0000000000ff/review-panel/draw').set(bearer(admin)).send({ field: '0812' }).expect(404);
    });

    it('respects the cap on panels per expert in the call', async () => {
      // Cap 1: none of the five drawn for ids[0]; x-share co-applied with code(1), so never for ids[1].
      const first = await t.http.post(`/v1/applications/${ids[1]}/review-panel/draw`).set(bearer(admin)).send({ field: '0812', maxAssignmentsPerExpert: 1, reserves: 0 }).expect(200);
      const second = first.body.review.panel as string[];
      expect(second).toHaveLength(5);
      expect(second.filter((e) => drawn.includes(e) || e === 'x-share')).toEqual([]);
      // For ids[2], ten seats are taken: 12 eligible experts minus 10 at the cap leave 2 < 5.
      const capped = await t.http.post(`/v1/applications/${ids[2]}/review-panel/draw`).set(bearer(admin)).send({ field: '0812', maxAssignmentsPerExpert: 1 }).expect(422);
      expect(capped.body).toMatchObject({ code: 'EXPERT_POOL_TOO_SMALL', eligible: 2, panelSize: 5 });
      const ok = await t.http.post(`/v1/applications/${ids[2]}/review-panel/draw`).set(bearer(admin)).send({ field: '0812', maxAssignmentsPerExpert: 2 }).expect(200);
      expect(ok.body.review.panel).toHaveLength(5);
    });

    it('checks If-Match before touching the pool, and replays a retry with the same Idempotency-Key', async () => {
      const poolLength = async () => (await t.runtime.store.readStream('expert-pool-320500')).length;
      const before = await poolLength();
      const stale = await t.http.post(`/v1/applications/${ids[3]}/review-panel/draw`).set(bearer(admin)).set('If-Match', '"0"').send({ field: '0812' }).expect(412);
      expect(stale.body.code).toBe('PRECONDITION_FAILED');
      expect(await poolLength()).toBe(before);
      const first = await t.http.post(`/v1/applications/${ids[3]}/review-panel/draw`).set(bearer(admin)).set('Idempotency-Key', 'draw-ids3').send({ field: '0812', maxAssignmentsPerExpert: 5 });
      expect(first.body).toMatchObject({ review: {} });
      const again = await t.http.post(`/v1/applications/${ids[3]}/review-panel/draw`).set(bearer(admin)).set('Idempotency-Key', 'draw-ids3').send({ field: '0812', maxAssignmentsPerExpert: 5 }).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.review.panel).toEqual(first.body.review.panel);
      expect(await poolLength()).toBe(before + 1);
    });

    it('brings in the next reserve when a drawn expert declares a conflict, and the drawn panel scores and closes as usual', async () => {
      const declared = await t.http.post(`/v1/applications/${ids[0]}/conflicts`).set(bearer(expert(drawn[1]))).send({ reason: '近三年曾在该企业兼职' }).expect(200);
      expect(declared.body.review.panel).toEqual([...drawn, reserves[0]]);
      expect(declared.body.review.conflicted).toEqual([drawn[1]]);
      const seated = [...drawn.filter((e) => e !== drawn[1]), reserves[0]];
      // The pool counts the reserve's seat (cap and "reviewed before").
      const calledIn = (await t.runtime.store.readStream('expert-pool-320500')).filter((e) => e.type === 'ReserveCalledIn');
      expect(calledIn.map((e) => e.data)).toEqual([expect.objectContaining({ applicationId: ids[0], expertId: reserves[0] })]);
      expect((await t.http.get(`/v1/applications/${ids[0]}`).set(bearer(admin)).expect(200)).body.review.reserves).toEqual(reserves.slice(1));
      expect((await t.http.put(`/v1/applications/${ids[0]}/reviews/${drawn[1]}`).set(bearer(expert(drawn[1]))).send(scores).expect(403)).body.code).toBe('EXPERT_NOT_ON_PANEL');
      for (const e of seated) await t.http.put(`/v1/applications/${ids[0]}/reviews/${e}`).set(bearer(expert(e))).send(scores).expect(200);
      const closed = await t.http.post(`/v1/applications/${ids[0]}/review-panel/closure`).set(bearer(admin)).expect(200);
      expect(closed.body.review).toMatchObject({ closed: true, aggregate: 70 });
    });

    it("tells the draw, its seed and digest, and the reserve called in, in the application's history", async () => {
      await t.projectionsCaughtUp();
      const history = await t.http.get(`/v1/audit/applications/${ids[0]}/history`).set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(200);
      const entries = history.body.entries as Array<{ type: string; what: { zh: string; en: string }; details: Record<string, unknown> }>;
      const draw = entries.find((e) => e.type === 'ReviewPanelDrawn')!;
      expect(draw.what.en).toContain(drawn.join(', '));
      expect(draw.details).toMatchObject({ seed: expect.stringMatching(/^[0-9a-f]{64}$/), poolDigest: expect.stringMatching(/^[0-9a-f]{64}$/), field: '0812' });
      const reserve = entries.find((e) => e.type === 'ReserveExpertAssigned')!;
      expect(reserve.what.zh).toContain(reserves[0]);
      expect(entries.map((e) => e.type)).toContain('ExpertConflictDeclared');
    });
  });
});
