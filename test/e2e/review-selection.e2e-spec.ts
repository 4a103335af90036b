import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

const DISTRICTS = ['320505', '320506', '320507', '320571', '320581', '320582', '320583', '320585', '320509', '320508'];
const code = (i: number) => {
  const first17 = `91${DISTRICTS[i % DISTRICTS.length]}MA${String(i).padStart(7, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};
const EXPERTS = ['e1', 'e2', 'e3', 'e4', 'e5'];

describe('from endorsement to selection over REST', () => {
  let t: TestApp;
  let admin: string;
  let programmeId: string;
  const ids: string[] = [];

  const expert = (id: string) => t.token({ role: 'expert', sub: id });
  const office = (i: number) => t.token({ role: 'district-office', district: DISTRICTS[i % DISTRICTS.length] });
  const get = (id: string, token = admin) => t.http.get(`/v1/applications/${id}`).set(bearer(token));
  const panel = (experts = EXPERTS) => ({ experts: experts.map((expertId) => ({ expertId, organisation: `univ-${expertId}` })) });
  const scores = (strategy: number, base: number, targets: number) => ({
    scores: [{ criterionId: 'strategy', score: strategy }, { criterionId: 'ip-standards-base', score: base }, { criterionId: 'targets', score: targets }],
    comment: '',
  });

  /** Endorses, assigns the panel, scores by every expert with a spread, and closes the review. */
  async function reviewed(i: number, base: number): Promise<void> {
    const id = ids[i];
    await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(office(i))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin)).send(panel()).expect(200);
    for (const [k, e] of EXPERTS.entries()) await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(expert(e))).send(scores(20, base + k, 20)).expect(200);
    await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin)).expect(200);
  }

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-1' });
    const terms = suzhouTerms({ budgetFen: 100_000_000, review: { ...suzhouTerms().review, defenseSize: 2 } });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201)).body.programmeId;
    for (let i = 0; i < 10; i++) {
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code(i) }))).send(suzhouProfile({ creditCode: code(i), district: DISTRICTS[i] }));
      expect(response.status).toBe(201);
      ids.push(response.body.applicationId);
    }
    t.clock.set('2024-11-19T02:00:00Z');
  });
  afterAll(() => t?.close());

  describe('endorsement', () => {
    it("is for the applicant's district office only, and changes nothing otherwise", async () => {
      const head = await t.runtime.store.headPosition();
      // Another district's office cannot see the application: 404 as if absent (no existence oracle).
      expect((await t.http.post(`/v1/applications/${ids[0]}/endorsement`).set(bearer(office(1))).send({ decision: 'endorse', opinion: 'x' }).expect(404)).body.code).toBe('APPLICATION_NOT_FOUND');
      await t.http.post(`/v1/applications/${ids[0]}/endorsement`).set(bearer(admin)).send({ decision: 'endorse', opinion: 'x' }).expect(403);
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('is refused after the endorsement deadline, naming it', async () => {
      t.clock.set('2024-11-21T00:00:00+08:00');
      const late = await t.http.post(`/v1/applications/${ids[9]}/endorsement`).set(bearer(office(9))).send({ decision: 'endorse', opinion: 'x' }).expect(422);
      expect(late.body.code).toBe('ENDORSEMENT_DEADLINE_PASSED');
      expect(late.body.detailZh).toContain('2024-11-20 23:59:59');
      t.clock.set('2024-11-19T02:00:00Z');
    });
  });

  describe('expert review', () => {
    it('refuses an expert with a conflict of interest, naming them', async () => {
      await t.http.post(`/v1/applications/${ids[0]}/endorsement`).set(bearer(office(0))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      const conflicted = { experts: [...panel(EXPERTS.slice(0, 4)).experts, { expertId: 'e9', organisation: 'univ', links: [code(0)] }] };
      const response = await t.http.post(`/v1/applications/${ids[0]}/review-panel`).set(bearer(admin)).send(conflicted).expect(422);
      expect(response.body.code).toBe('REVIEW_EXPERT_CONFLICT');
      expect(response.body.conflicts).toEqual([{ expertId: 'e9', reason: 'declared-link' }]);
    });

    it("keeps each expert's scores from the others until the review closes", async () => {
      await t.http.post(`/v1/applications/${ids[0]}/review-panel`).set(bearer(admin)).send(panel()).expect(200);
      await t.http.put(`/v1/applications/${ids[0]}/reviews/e1`).set(bearer(expert('e1'))).send(scores(20, 30, 20)).expect(200);
      const second = await t.http.put(`/v1/applications/${ids[0]}/reviews/e2`).set(bearer(expert('e2'))).send(scores(25, 30, 20)).expect(200);
      expect(second.body.review.scores.map((s: { expertId: string }) => s.expertId)).toEqual(['e2']);
      expect((await get(ids[0], expert('e1')).expect(200)).body.review.scores.map((s: { expertId: string }) => s.expertId)).toEqual(['e1']);
      expect((await get(ids[0]).expect(200)).body.review.scores).toHaveLength(2);
      await get(ids[0], expert('e7')).expect(404);
    });

    it('lets an expert revise, refuses another expert\'s slot and scores out of range', async () => {
      const revised = await t.http.put(`/v1/applications/${ids[0]}/reviews/e1`).set(bearer(expert('e1'))).send(scores(21.5, 31, 20)).expect(200);
      expect(revised.body.review.scores[0].total).toBe(72.5);
      expect((await t.http.put(`/v1/applications/${ids[0]}/reviews/e2`).set(bearer(expert('e1'))).send(scores(1, 1, 1)).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
      // An expert never on this panel is told the application does not exist (no existence oracle).
      expect((await t.http.put(`/v1/applications/${ids[0]}/reviews/e7`).set(bearer(expert('e7'))).send(scores(1, 1, 1)).expect(404)).body.code).toBe('APPLICATION_NOT_FOUND');
      expect((await t.http.put(`/v1/applications/${ids[0]}/reviews/e3`).set(bearer(expert('e3'))).send(scores(31, 1, 1)).expect(422)).body.code).toBe('REVIEW_SCORES_INVALID');
      await t.http.put(`/v1/applications/${ids[0]}/reviews/e3`).set(bearer(admin)).send(scores(1, 1, 1)).expect(403);
    });

    it('takes scores with two decimals exactly, as JSON numbers or decimal strings, and gives them back unchanged', async () => {
      const put = (body: object) => t.http.put(`/v1/applications/${ids[0]}/reviews/e2`).set(bearer(expert('e2'))).send(body);
      const send = (strategy: number | string, base: number | string, targets: number | string) => ({
        scores: [{ criterionId: 'strategy', score: strategy }, { criterionId: 'ip-standards-base', score: base }, { criterionId: 'targets', score: targets }],
        comment: '',
      });
      const criteria = (strategy: number, base: number, targets: number) => [
        { criterionId: 'strategy', score: strategy },
        { criterionId: 'ip-standards-base', score: base },
        { criterionId: 'targets', score: targets },
      ];
      const first = await put(send(18.15, 32.8, 10.07)).expect(200);
      expect(first.body.review.scores).toEqual([{ expertId: 'e2', total: 61.02, criteria: criteria(18.15, 32.8, 10.07) }]);
      const second = await put(send(8.2, '0.57', '29.99')).expect(200);
      expect(second.body.review.scores).toEqual([{ expertId: 'e2', total: 38.76, criteria: criteria(8.2, 0.57, 29.99) }]);
      for (const refused of [send(1.005, 1, 1), send('1.005', 1, 1), send('18,15', 1, 1), send('NaN', 1, 1), send(1e21, 1, 1)]) {
        expect((await put(refused).expect(400)).body.code).toBe('VALIDATION_FAILED');
      }
      // back to the scores the trimmed mean below counts
      await put(scores(25, 30, 20)).expect(200);
    });

    it('does not close while scores are missing; a conflicted expert is replaced, then it closes with the trimmed mean', async () => {
      expect((await t.http.post(`/v1/applications/${ids[0]}/review-panel/closure`).set(bearer(admin)).expect(409)).body.code).toBe('REVIEW_INCOMPLETE');
      await t.http.post(`/v1/applications/${ids[0]}/conflicts`).set(bearer(expert('e5'))).send({ reason: '近三年曾在该企业兼职' }).expect(200);
      await t.http.post(`/v1/applications/${ids[0]}/review-panel`).set(bearer(admin)).send(panel()).expect(422);
      await t.http.post(`/v1/applications/${ids[0]}/review-panel`).set(bearer(admin)).send(panel(['e1', 'e2', 'e3', 'e4', 'e6'])).expect(200);
      for (const [e, s] of [['e3', scores(10, 10, 10)], ['e4', scores(28, 38, 28)], ['e6', scores(20, 35, 20)]] as const) {
        await t.http.put(`/v1/applications/${ids[0]}/reviews/${e}`).set(bearer(expert(e))).send(s).expect(200);
      }
      const closed = await t.http.post(`/v1/applications/${ids[0]}/review-panel/closure`).set(bearer(admin)).expect(200);
      // totals 72.5, 75, 30, 94, 75: dropping 30 and 94 leaves (72.5 + 75 + 75) / 3 = 74.17
      expect(closed.body.review).toMatchObject({ closed: true, aggregate: 74.17 });
      expect((await t.http.put(`/v1/applications/${ids[0]}/reviews/e1`).set(bearer(expert('e1'))).send(scores(1, 1, 1)).expect(409)).body.code).toBe('REVIEW_CLOSED');
    });
  });

  describe('defense round and selection', () => {
    it('invites the top N by review score and selects on review + defense', async () => {
      await reviewed(1, 35);
      await reviewed(2, 30);
      await t.projectionsCaughtUp();
      await t.http.post(`/v1/programmes/${programmeId}/defense-round`).set(bearer(t.token({ role: 'programme-admin', city: '371100' }))).send({}).expect(403);
      const round = await t.http.post(`/v1/programmes/${programmeId}/defense-round`).set(bearer(admin)).send({}).expect(200);
      // trimmed means: ids[1] 77, ids[0] 74.17, ids[2] 72
      expect(round.body.invited.map((i: { applicationId: string }) => i.applicationId)).toEqual([ids[1], ids[0]]);
      expect((await get(ids[1])).body.status).toBe('invited-to-defense');
      expect((await get(ids[2])).body.status).toBe('under-review');
      const again = await t.http.post(`/v1/programmes/${programmeId}/defense-round`).set(bearer(admin)).send({}).expect(200);
      expect(again.body.roundId).toBe(round.body.roundId);

      const select = (id: string, body: object) => t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin)).send(body);
      expect((await select(ids[1], { decision: 'select', approvedAmountFen: 10_000_000, reason: '排名第一' }).expect(409)).body.code).toBe('DEFENSE_INCOMPLETE');
      // 72.35 and the decimal string "80.07" are taken exactly (72.35 × 100 is 7234.999999999999 in binary floating point)
      const defense: ReadonlyArray<number | string> = [72.35, '80.07', 88, 90.5, 95];
      for (const [k, e] of EXPERTS.entries()) await t.http.put(`/v1/applications/${ids[1]}/defense-scores/${e}`).set(bearer(expert(e))).send({ score: defense[k], comment: '' }).expect(200);
      const selected = await select(ids[1], { decision: 'select', approvedAmountFen: 10_000_000, reason: '排名第一' }).expect(200);
      // review 77 + defense trimmed mean (80.07 + 88 + 90.5) / 3 = 86.19
      expect(selected.body).toMatchObject({ status: 'selected', selection: { approvedAmountFen: 10_000_000, decision: 'select', finalScoreHundredths: 7700 + 8619 } });
      const programme = await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(admin)).expect(200);
      expect(programme.body).toMatchObject({ committedFen: 10_000_000, remainingFen: 90_000_000 });
      await select(ids[0], { decision: 'reject', reason: '得分较低' }).expect(200);
      expect(await t.http.post(`/v1/applications/${ids[0]}/selection`).set(bearer(t.token({ role: 'finance', city: '320500' }))).send({ decision: 'reject', reason: 'x' }).then((r) => r.status)).toBe(403);
    });

    it('keeps the budget under parallel selections: losers get 409 naming the remaining budget', async () => {
      for (let i = 3; i < 9; i++) await reviewed(i, 30 + (i % 5));
      const before = (await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(admin))).body.remainingFen;
      expect(before).toBe(90_000_000);
      const responses = await Promise.all(
        [3, 4, 5, 6, 7, 8].map((i) => t.http.post(`/v1/applications/${ids[i]}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: 40_000_000, reason: '并发立项' })),
      );
      const winners = responses.filter((r) => r.status === 200);
      const losers = responses.filter((r) => r.status !== 200);
      expect(winners).toHaveLength(2);
      expect(losers).toHaveLength(4);
      for (const loser of losers) {
        expect(loser.status).toBe(409);
        expect(loser.body.code).toBe('BUDGET_EXCEEDED');
        expect(loser.body.remainingFen).toBe(10_000_000);
        expect(loser.body.detailEn).toContain('10000000 fen remain');
      }
      const programme = (await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(admin))).body;
      expect(programme).toMatchObject({ committedFen: 90_000_000, remainingFen: 10_000_000 });
      const statuses = await Promise.all([3, 4, 5, 6, 7, 8].map(async (i) => (await get(ids[i])).body.status));
      expect(statuses.filter((s) => s === 'selected')).toHaveLength(2);
      expect(statuses.filter((s) => s === 'under-review')).toHaveLength(4);
    });

    it('selects an application assessed ineligible only with a recorded override', async () => {
      const i = 9;
      t.clock.set('2024-11-20T02:00:00Z');
      await reviewed(i, 30);
      await t.http.post(`/v1/enterprises/${code(i)}/facts`).set(bearer(t.token({ role: 'system', sub: 'credit-gateway' }))).send({ fact: 'serious-dishonesty', present: true, source: 'credit-china', reference: 'SD-9', observedAt: '2024-11-20T09:00:00+08:00' }).expect(200);
      for (let n = 0; n < 200 && (await get(ids[i])).body.eligibility.outcome !== 'ineligible'; n++) await new Promise((r) => setTimeout(r, 25));
      const refused = await t.http.post(`/v1/applications/${ids[i]}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: 1_000_000, reason: 'x' }).expect(422);
      expect(refused.body.code).toBe('SELECTION_REQUIRES_OVERRIDE');
      expect((await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(admin))).body.committedFen).toBe(90_000_000);
      const overridden = await t.http
        .post(`/v1/applications/${ids[i]}/selection`)
        .set(bearer(admin))
        .send({ decision: 'select', approvedAmountFen: 1_000_000, reason: '专项支持', eligibilityOverride: '信用修复已完成，经局务会研究同意' })
        .expect(200);
      expect(overridden.body.selection).toMatchObject({ eligibilityOverride: '信用修复已完成，经局务会研究同意' });
      await t.projectionsCaughtUp();
      const history = await t.http.get(`/v1/audit/applications/${ids[i]}/history`).set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(200);
      const last = history.body.entries[history.body.entries.length - 1];
      expect(last).toMatchObject({ type: 'ApplicationSelected', who: { userId: 'admin-1', role: 'programme-admin' } });
      expect(last.what.zh).toContain('信用修复已完成');
    });
  });
});
