import { CommandPipeline, systemContext } from '@ipstd/platform';
import {
  FundsCommitments, ProgrammeState, RESERVATION_GRACE_MS, RESERVATION_LEASE_MS, SelectionReconciler, applicationSpec, programmeSpec, selectionIdFor,
} from '@ipstd/applications';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { seededCreditCode } from '../support/seed';
import { until } from '../support/wait';

/**
 * Selection within budget spans the programme stream (the commitment) and the application stream
 * (the selection). These tests fire the same request many times at once, with and without
 * Idempotency-Key, lose races, retry, and crash between the two steps; at every instant sampled
 * Σ awarded ≤ Σ committed ≤ budget, and once settled Σ committed = Σ awarded with no orphan.
 */
describe('selection under concurrency, retries and crashes', () => {
  const BUDGET = 80_000_000;
  const DISTRICTS = ['320505', '320506', '320507', '320508'];
  const EXPERTS = ['e1', 'e2', 'e3'];
  let t: TestApp;
  let admin: string;
  let programmeId: string;
  let ids: string[];
  let pipeline: CommandPipeline;

  const select = (id: string, amount: number, key?: string, headers: Record<string, string> = {}) => {
    const req = t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin)).set(headers);
    if (key) req.set('Idempotency-Key', key);
    return req.send({ decision: 'select', approvedAmountFen: amount, reason: '择优立项' });
  };

  async function reviewed(i: number): Promise<void> {
    const id = ids[i];
    await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district: DISTRICTS[i % DISTRICTS.length] }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin)).send({ experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
    for (const e of EXPERTS) {
      await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
    }
    await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin)).expect(200);
  }

  /** The money as the two kinds of stream say it is, read straight from the log. */
  async function money() {
    // Applications first, then the programme: a commitment is appended before its award and an award's
    // commitment is never released, so every award seen here is backed by the programme read after it.
    const awards: Array<{ applicationId: string; selectionId: string; amountFen: number }> = [];
    for (const id of ids) {
      const { state } = await pipeline.load(applicationSpec(id));
      if (state.status === 'selected' && state.selection) awards.push({ applicationId: id, selectionId: state.selection.selectionId!, amountFen: state.selection.approvedAmountFen });
    }
    const programme = (await pipeline.load(programmeSpec(programmeId))).state as Extract<ProgrammeState, { status: 'open' }>;
    const awardedFen = awards.reduce((s, a) => s + a.amountFen, 0);
    return { programme, awards, awardedFen, committedFen: programme.committedFen };
  }

  /** Σ awarded ≤ Σ committed ≤ budget, and every award holds its own commitment of its amount. */
  async function checkInvariants(settled: boolean): Promise<void> {
    const m = await money();
    expect(m.committedFen).toBeLessThanOrEqual(BUDGET);
    expect(m.awardedFen).toBeLessThanOrEqual(m.committedFen);
    for (const award of m.awards) expect(m.programme.commitments[award.selectionId]).toMatchObject({ applicationId: award.applicationId, amountFen: award.amountFen });
    if (settled) {
      expect(m.committedFen).toBe(m.awardedFen);
      expect(Object.keys(m.programme.commitments).sort()).toEqual(m.awards.map((a) => a.selectionId).sort());
    }
  }

  /** Runs `race` while sampling the invariants as often as the log can be read; returns the race's result. */
  async function sampled<T>(race: () => Promise<T>): Promise<{ result: T; samples: number }> {
    let running = true;
    let samples = 0;
    const sampler = (async () => {
      while (running) {
        await checkInvariants(false);
        samples++;
      }
    })();
    try {
      return { result: await race(), samples };
    } finally {
      running = false;
      await sampler;
    }
  }

  async function submitted(programme: string, from: number, count: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = from; i < from + count; i++) {
      const code = seededCreditCode(i, DISTRICTS[i % DISTRICTS.length]);
      const response = await t.http.post(`/v1/programmes/${programme}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: DISTRICTS[i % DISTRICTS.length] }));
      expect(response.status).toBe(201);
      out.push(response.body.applicationId);
    }
    return out;
  }

  async function streamTypes(streamId: string): Promise<string[]> {
    return (await t.runtime.store.readStream(streamId)).map((e) => e.type);
  }

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-1' });
    const terms = suzhouTerms({ budgetFen: BUDGET, review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201)).body.programmeId;
    ids = await submitted(programmeId, 0, 8);
    t.clock.set('2024-11-19T02:00:00Z');
    for (let i = 0; i < ids.length; i++) await reviewed(i);
    pipeline = t.app.get(CommandPipeline);
  });
  afterAll(() => t?.close());

  it('twenty identical selections at once without Idempotency-Key: one selection, one commitment, nothing released', async () => {
    const head = await t.runtime.store.readStream(`programme-${programmeId}`);
    const { result: responses, samples } = await sampled(() => Promise.all(Array.from({ length: 20 }, () => select(ids[0], 50_000_000))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(['FUNDS_ALREADY_COMMITTED', 'APPLICATION_STATUS_CONFLICT', 'CONCURRENT_MODIFICATION']).toContain(r.body.code);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    // One commitment on the programme, no release: a loser never touches the winner's money.
    const types = (await streamTypes(`programme-${programmeId}`)).slice(head.length);
    expect(types).toEqual(['FundsCommitted']);
    expect((await streamTypes(`application-${ids[0]}`)).filter((x) => x === 'ApplicationSelected')).toHaveLength(1);
    await checkInvariants(true);
    expect((await money()).committedFen).toBe(50_000_000);
    expect(samples).toBeGreaterThan(0);
    const codes = responses.filter((x) => x.status === 409).reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.body.code]: (acc[r.body.code] ?? 0) + 1 }), {});
    console.log(`[race] 20 identical selections without key: ${statuses.filter((s) => s === 200).length}×200, ${statuses.filter((s) => s === 409).length}×409 ${JSON.stringify(codes)}; programme events ${JSON.stringify(types)}; invariants sampled ${samples} times`);
    // The budget that remains is what it says: 40,000,000 more does not fit.
    const second = await select(ids[1], 40_000_000).expect(409);
    expect(second.body).toMatchObject({ code: 'BUDGET_EXCEEDED', remainingFen: 30_000_000 });
    await checkInvariants(true);
  });

  it('twenty identical selections at once with one Idempotency-Key: all answer the one result', async () => {
    const head = (await t.runtime.store.readStream(`programme-${programmeId}`)).length;
    const { result: responses } = await sampled(() => Promise.all(Array.from({ length: 20 }, () => select(ids[1], 10_000_000, 'select-app-1'))));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    console.log(`[race] 20 identical selections with one Idempotency-Key: 20×200, ${new Set(responses.map((r) => r.headers.etag)).size} distinct ETag, ${responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length} answered from the stored response`);
    const etags = new Set(responses.map((r) => r.headers.etag));
    expect(etags.size).toBe(1);
    for (const r of responses) expect(r.body).toMatchObject({ status: 'selected', selection: { approvedAmountFen: 10_000_000 } });
    expect((await streamTypes(`programme-${programmeId}`)).slice(head)).toEqual(['FundsCommitted']);
    expect((await streamTypes(`application-${ids[1]}`)).filter((x) => x === 'ApplicationSelected')).toHaveLength(1);
    const m = await money();
    const award = m.awards.find((a) => a.applicationId === ids[1])!;
    expect(award.selectionId).toBe(selectionIdFor(ids[1], 'admin-1:select-app-1'));
    await checkInvariants(true);
  });

  it('a retry whose stored HTTP response is missing still answers the first result, not 409', async () => {
    await t.db.pool.query(`delete from http_idempotency where idempotency_key = 'select-app-1'`);
    const head = await t.runtime.store.headPosition();
    const retry = await select(ids[1], 10_000_000, 'select-app-1').expect(200);
    expect(retry.body).toMatchObject({ status: 'selected', selection: { approvedAmountFen: 10_000_000 } });
    expect(await t.runtime.store.headPosition()).toBe(head);
  });

  it('a stale If-Match answers 412 and appends nothing anywhere', async () => {
    const head = await t.runtime.store.headPosition();
    const stale = await select(ids[2], 1_000_000, undefined, { 'If-Match': '"0"' }).expect(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    expect(await t.runtime.store.headPosition()).toBe(head);
  });

  it('different applications racing for the last of the budget: the losers are refused and nothing overspends', async () => {
    // 20,000,000 remain; four applications ask 10,000,000 each at once, each twice (no key).
    const remaining = BUDGET - (await money()).committedFen;
    expect(remaining).toBe(20_000_000);
    const { result: responses } = await sampled(() => Promise.all([2, 3, 4, 5, 2, 3, 4, 5].map((i) => select(ids[i], 10_000_000))));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of responses.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(['BUDGET_EXCEEDED', 'FUNDS_ALREADY_COMMITTED', 'APPLICATION_STATUS_CONFLICT', 'CONCURRENT_MODIFICATION']).toContain(r.body.code);
    }
    await checkInvariants(true);
    expect((await money()).committedFen).toBe(BUDGET);
  });

  describe('a crash between committing the money and recording the selection', () => {
    let second: string;
    let apps: string[];
    beforeAll(async () => {
      t.clock.set('2024-10-09T02:00:00Z');
      const terms = suzhouTerms({ code: 'SZ-2024-IPSTD-B', budgetFen: BUDGET, review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
      second = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201)).body.programmeId;
      apps = await submitted(second, 0, 3);
      t.clock.set('2024-11-19T03:00:00Z');
      programmeId = second;
      ids = apps;
      for (let i = 0; i < apps.length; i++) await reviewed(i);
    });

    /** What the handler's first step leaves behind when the process dies right after it. */
    async function crashAfterCommit(applicationId: string, selectionId: string, amountFen: number) {
      await t.app.get(FundsCommitments).commit(second, selectionId, applicationId, amountFen, systemContext('admin-1', 'crashed-request'));
    }

    it('a retry with the same Idempotency-Key completes the selection on the same commitment', async () => {
      const selectionId = selectionIdFor(apps[0], 'admin-1:crash-retry');
      await crashAfterCommit(apps[0], selectionId, 20_000_000);
      await checkInvariants(false);
      const retried = await select(apps[0], 20_000_000, 'crash-retry').expect(200);
      expect(retried.body.selection).toMatchObject({ approvedAmountFen: 20_000_000 });
      expect((await streamTypes(`programme-${second}`)).filter((x) => x === 'FundsCommitted')).toHaveLength(1);
      await checkInvariants(true);
    });

    it('without a key the orphan blocks only its own application until its lease lapses; the reconciler then releases it, saying why', async () => {
      const orphan = '0190a4b2-0000-7000-8000-00000000dead';
      await crashAfterCommit(apps[1], orphan, 30_000_000);
      const blocked = await select(apps[1], 30_000_000).expect(409);
      expect(blocked.body).toMatchObject({ code: 'FUNDS_ALREADY_COMMITTED', selectionId: orphan });
      const reconciler = t.app.get(SelectionReconciler);
      const head = await t.runtime.store.headPosition();
      await until(() => reconciler.worker.checkpoint(), (p) => p >= head);
      expect(await reconciler.runOnce()).toBe(0); // still within its lease: it may yet be recorded
      t.clock.advance(RESERVATION_LEASE_MS + RESERVATION_GRACE_MS + 1000);
      expect(await reconciler.runOnce()).toBe(1);
      const log = await t.runtime.store.readStream(`programme-${second}`);
      const release = log[log.length - 1];
      expect(release).toMatchObject({ type: 'FundsReleased', data: { selectionId: orphan, applicationId: apps[1], amountFen: 30_000_000 }, metadata: { actor: { userId: 'system:selection-reconciler' } } });
      expect((release.data as { reason: string }).reason).toContain('was not recorded');
      await checkInvariants(true);
      expect(await reconciler.runOnce()).toBe(0);
      await select(apps[1], 30_000_000).expect(200);
      await checkInvariants(true);
    });

    it('the next selection of the application frees a lapsed orphan itself', async () => {
      const orphan = '0190a4b2-0000-7000-8000-00000000beef';
      await crashAfterCommit(apps[2], orphan, 5_000_000);
      t.clock.advance(RESERVATION_LEASE_MS + RESERVATION_GRACE_MS + 1000);
      await select(apps[2], 5_000_000).expect(200);
      const released = (await t.runtime.store.readStream(`programme-${second}`)).filter((e) => e.type === 'FundsReleased').map((e) => (e.data as { selectionId: string }).selectionId);
      expect(released).toContain(orphan);
      await checkInvariants(true);
      expect((await money()).committedFen).toBe(55_000_000);
    });
  });
});
