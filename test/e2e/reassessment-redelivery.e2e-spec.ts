import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { CommandPipeline, PG_POOL, RuleCatalog } from '@ipstd/platform';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { EligibilityReassessor } from '@ipstd/applications';
import { Pool } from 'pg';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { until } from '../support/wait';

/**
 * The eligibility re-assessor is delivered events at least once, and (until the workers hold a lease)
 * every applications-service replica runs one over the whole log. A re-assessor that sees an old
 * event again, after a newer fact was already taken into account, must not assess the application
 * again with the facts as they stood back then: that appended a stale assessment (the application
 * briefly judged on withdrawn facts) and then a second one putting it right. Found by the scale-out
 * test (test/e2e/scale-out.e2e-spec.ts) with two write replicas.
 */
describe('eligibility re-assessment under redelivery', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
  });
  afterAll(() => t?.close());

  it('a lagging or restarted re-assessor replaying the log appends nothing once the facts are taken into account', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
    const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-REDELIVERY' })).expect(201)).body.programmeId;
    const first17 = '91320505MA2000001';
    const creditCode = first17 + creditCodeCheckCharacter(first17);
    const { applicationId } = (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).send(suzhouProfile({ creditCode })).expect(201)).body;
    const system = t.token({ role: 'system', sub: 'credit-system' });
    const fact = (reference: string, present: boolean) =>
      t.http.post(`/v1/enterprises/${creditCode}/facts`).set(bearer(system)).send({ fact: 'serious-dishonesty', present, source: 'credit-china', reference, observedAt: '2024-10-09T09:00:00+08:00' }).expect(200);
    const stream = () => t.runtime.store.readStream(`application-${applicationId}`);
    const assessments = async () => (await stream()).filter((e) => e.type === 'EligibilityAssessed').map((e) => ({ trigger: (e.data as { trigger: string }).trigger, facts: (e.data as { facts: unknown }).facts }));

    // A record arrives and is lifted again: two re-assessments, each with the facts its event brought.
    await fact('SD-R1', true);
    await until(assessments, (a) => a.length === 2);
    await fact('SD-R2', false);
    const settled = await until(assessments, (a) => a.length === 3);
    expect(settled).toEqual([
      { trigger: 'submission', facts: {} },
      { trigger: 'credit-fact', facts: { seriousDishonesty: true } },
      { trigger: 'credit-fact', facts: { seriousDishonesty: false } },
    ]);
    const running = t.app.get(EligibilityReassessor);
    const settledHead = await t.runtime.store.headPosition();
    await until(() => running.worker.checkpoint(), (p) => p >= settledHead);
    const before = await stream();

    // A second re-assessor that starts from the beginning of the log (a replica lagging behind, or a
    // restart from a checkpoint another replica moved back) sees the submission and both facts again.
    const pool = t.app.get<Pool>(PG_POOL);
    const second = new EligibilityReassessor(pool, t.app.get<EventStore>(EVENT_STORE), t.app.get(CommandPipeline), t.app.get(RuleCatalog));
    await running.onApplicationShutdown();
    await pool.query("update subscription_checkpoints set position = 0 where name = 'eligibility-reassessor'");
    await second.onApplicationBootstrap();
    try {
      const head = await t.runtime.store.headPosition();
      await until(() => second.worker.checkpoint(), (p) => p >= head, 30_000);
      const after = await stream();
      expect(after.slice(before.length).map((e) => ({ type: e.type, data: e.data }))).toEqual([]);
      expect((await t.http.get(`/v1/applications/${applicationId}`).set(bearer(admin)).expect(200)).body.eligibility.outcome).toBe('eligible');
    } finally {
      await second.onApplicationShutdown();
      await running.onApplicationBootstrap();
    }
  });

  it('replaying a batch of submissions reads their enterprises in one store read and files them in one statement, appending nothing', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
    const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-REASSESS-BATCH' })).expect(201)).body.programmeId;
    const codes = Array.from({ length: 6 }, (_, i) => {
      const first17 = `91320505MA300000${i}`;
      return first17 + creditCodeCheckCharacter(first17);
    });
    const applicationIds: string[] = [];
    for (const creditCode of codes) {
      applicationIds.push((await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).send(suzhouProfile({ creditCode })).expect(201)).body.applicationId);
    }
    const running = t.app.get(EligibilityReassessor);
    const head = await t.runtime.store.headPosition();
    await until(() => running.worker.checkpoint(), (p) => p >= head);
    await running.onApplicationShutdown();

    const pool = t.app.get<Pool>(PG_POOL);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const streamReads: string[] = [];
    const manyReads: Array<readonly string[]> = [];
    const counted: EventStore = {
      ...store,
      appendToStream: (...args) => store.appendToStream(...args),
      readStream: (id, options) => (streamReads.push(id), store.readStream(id, options)),
      readStreams: (ids) => (manyReads.push(ids), store.readStreams(ids)),
      readAll: (options) => store.readAll(options),
      subscribeToAll: (options) => store.subscribeToAll(options),
      headPosition: () => store.headPosition(),
      ping: () => store.ping(),
      close: () => store.close(),
    };
    const filings: string[] = [];
    const countingPool = Object.create(pool) as Pool;
    countingPool.query = ((...args: Parameters<Pool['query']>) => {
      if (typeof args[0] === 'string' && args[0].includes('pm_enterprise_applications')) filings.push(args[0]);
      return (pool.query as (...a: unknown[]) => unknown)(...args);
    }) as Pool['query'];
    await pool.query('delete from pm_enterprise_applications where application_id = any($1)', [applicationIds]);
    await pool.query("update subscription_checkpoints set position = 0 where name = 'eligibility-reassessor'");
    const before = await store.readAll({ after: 0n, maxCount: 100_000 });
    const second = new EligibilityReassessor(countingPool, counted, t.app.get(CommandPipeline), t.app.get(RuleCatalog));
    await second.onApplicationBootstrap();
    try {
      await until(() => second.worker.checkpoint(), (p) => p >= head, 30_000);
      // every submission's facts are checked, none reassessed: the enterprise streams are read per batch
      expect(streamReads.filter((id) => id.startsWith('enterprise-'))).toEqual([]);
      const enterprisesRead = manyReads.flat().filter((id) => id.startsWith('enterprise-'));
      for (const creditCode of codes) expect(enterprisesRead).toContain(`enterprise-${creditCode}`);
      expect(manyReads.length).toBeLessThan(codes.length);
      expect(filings.filter((q) => q.startsWith('insert')).length).toBeLessThan(codes.length);
      const { rows } = await pool.query<{ credit_code: string; application_id: string }>('select credit_code, application_id from pm_enterprise_applications where application_id = any($1) order by credit_code', [applicationIds]);
      expect(rows.map((r) => r.credit_code)).toEqual([...codes].sort());
      expect((await store.readAll({ after: 0n, maxCount: 100_000 })).length).toBe(before.length);
    } finally {
      await second.onApplicationShutdown();
      await running.onApplicationBootstrap();
    }
  });
});
