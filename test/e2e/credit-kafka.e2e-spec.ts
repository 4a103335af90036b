import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ClawbackOverdueCheck } from '@ipstd/grants';
import { INTEGRATION_CONTRACTS, IntegrationGateway, topicsFor } from '@ipstd/messaging';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { ConsumedMessage, consumeAll, testKafkaBrokers, uniqueTopicPrefix } from '../support/kafka';
import { awardedGrant, seededCreditCode } from '../support/seed';
import { until } from '../support/wait';

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const validators = new Map(INTEGRATION_CONTRACTS.map((c) => [c.type, ajv.compile(c.schema)]));
const deduplicated = (messages: readonly ConsumedMessage[]) => [...new Map(messages.map((m) => [m.headers.ce_id, m])).values()];

/**
 * The credit system's topic on a real Kafka broker: a clawback ordered through the bureau's decision on a
 * suspended grant and another ordered directly; overdue by the scheduled check; one repaid in full, the
 * other written off. Each arrives on `<prefix>.credit` as a CloudEvent naming the enterprise, valid against
 * its schema, with the same id as the grants topic's event for the same domain event.
 */
describe('credit system integration events on Kafka', () => {
  let t: TestApp;
  let brokers: string[];
  let prefix: string;
  const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
  const finance = () => t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });

  beforeAll(async () => {
    brokers = testKafkaBrokers();
    prefix = uniqueTopicPrefix('credit');
    t = await startTestApp({
      now: '2024-10-09T02:00:00Z',
      env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '3', KAFKA_CONSUMER_GROUP: `${prefix}-gateway` },
    });
    await t.app.get(IntegrationGateway).ready();
  }, 120_000);
  afterAll(() => t?.close());

  it('publishes every clawback ordered, overdue, repaid and written off to the credit topic', async () => {
    const terms = suzhouTerms({ code: 'SZ-CREDIT-KAFKA', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
    const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
    const creditCode = seededCreditCode(901, '320506');
    const grantId = await awardedGrant(t, programmeId, admin(), { creditCode, district: '320506', approvedAmountFen: 10_000_000 });
    await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-CK-1' }).expect(200);
    await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-CK-1', valueDate: '2024-10-08', amountFen: 5_000_000 }).expect(200);

    // A serious-dishonesty record after the award: suspended, then clawed back by the bureau's decision.
    await t.http.post(`/v1/enterprises/${creditCode}/facts`).set(bearer(t.token({ role: 'system', sub: 'credit-china' })))
      .send({ fact: 'serious-dishonesty', present: true, source: 'credit-china', reference: 'SX-CK-1', observedAt: '2024-10-09T09:00:00+08:00' }).expect(200);
    await until(() => t.http.get(`/v1/grants/${grantId}`).set(bearer(admin())), (r) => r.status === 200 && r.body.suspension !== null);
    const decided = await t.http.post(`/v1/grants/${grantId}/suspension/decision`).set(bearer(admin())).send({ decision: 'claw-back', reason: '严重失信，收回已拨资金', amountFen: 2_000_000, dueDate: '2024-10-20' }).expect(200);
    const first = decided.body.clawbacks[0].clawbackId as string;
    const second = (await t.http.post(`/v1/grants/${grantId}/clawbacks`).set(bearer(admin())).send({ amountFen: 1_000_000, reason: '未按期完成合同内容', dueDate: '2024-10-20' }).expect(201)).body.clawbacks[1].clawbackId as string;
    await t.http.post(`/v1/grants/${grantId}/clawbacks/${first}/repayments`).set(bearer(finance())).send({ amountFen: 500_000, reference: 'BANK-CK-1', valueDate: '2024-10-09' }).expect(201);

    t.clock.set('2024-10-21T02:00:00Z');
    await t.projectionsCaughtUp();
    expect(await t.app.get(ClawbackOverdueCheck).runOnce()).toBe(2);
    await t.http.post(`/v1/grants/${grantId}/clawbacks/${first}/repayments`).set(bearer(finance())).send({ amountFen: 1_500_000, reference: 'BANK-CK-2', valueDate: '2024-10-21' }).expect(201);
    await t.http.post(`/v1/grants/${grantId}/clawbacks/${second}/write-off`).set(bearer(admin())).send({ reason: '企业已注销，无法追回' }).expect(200);

    const topics = topicsFor(prefix);
    const credit = deduplicated(await consumeAll(brokers, [topics.outbound.credit], { until: (m) => deduplicated(m).length >= 6, timeoutMs: 60_000 }));
    expect(credit.map((m) => [m.headers.ce_type, JSON.parse(m.value).clawbackId])).toEqual([
      ['cn.ipstd.credit.clawback-ordered.v1', first],
      ['cn.ipstd.credit.clawback-ordered.v1', second],
      ['cn.ipstd.credit.clawback-overdue.v1', first],
      ['cn.ipstd.credit.clawback-overdue.v1', second],
      ['cn.ipstd.credit.clawback-repaid.v1', first],
      ['cn.ipstd.credit.clawback-written-off.v1', second],
    ]);
    for (const m of credit) {
      const data = JSON.parse(m.value);
      const validate = validators.get(m.headers.ce_type)!;
      expect({ type: m.headers.ce_type, valid: validate(data), errors: validate.errors ?? null }).toEqual({ type: m.headers.ce_type, valid: true, errors: null });
      expect(data.enterprise).toEqual({ creditCode, name: expect.any(String) });
      expect(data.grantId).toBe(grantId);
      expect(m.key).toBe(grantId);
      expect(m.headers).toMatchObject({ ce_source: '/ipstd/credit', ce_subject: grantId, ce_city: '320500' });
    }
    expect(JSON.parse(credit[0].value)).toMatchObject({ amountFen: 2_000_000, reason: '严重失信，收回已拨资金', dueDate: '2024-10-20' });
    expect(JSON.parse(credit[2].value)).toMatchObject({ dueDate: '2024-10-20', outstandingFen: 1_500_000 });
    expect(JSON.parse(credit[4].value)).toMatchObject({ repaidFen: 2_000_000 });
    expect(JSON.parse(credit[5].value)).toMatchObject({ writtenOffFen: 1_000_000, reason: '企业已注销，无法追回' });

    // The same domain events on the grants topic, in the grants' shape, with the same ids; and the suspension there too.
    const ids = new Set(credit.map((m) => m.headers.ce_id));
    const grants = deduplicated(
      await consumeAll(brokers, [topics.outbound.grants], { until: (m) => deduplicated(m).filter((x) => ids.has(x.headers.ce_id)).length >= 6, timeoutMs: 60_000 }),
    );
    const twins = grants.filter((m) => ids.has(m.headers.ce_id));
    expect(twins.map((m) => m.headers.ce_type)).toEqual([
      'cn.ipstd.grants.clawback-ordered.v1',
      'cn.ipstd.grants.clawback-ordered.v1',
      'cn.ipstd.grants.clawback-overdue.v1',
      'cn.ipstd.grants.clawback-overdue.v1',
      'cn.ipstd.grants.clawback-settled.v1',
      'cn.ipstd.grants.clawback-written-off.v1',
    ]);
    expect(grants.map((m) => m.headers.ce_type)).toEqual(expect.arrayContaining(['cn.ipstd.grants.grant-suspended.v1', 'cn.ipstd.grants.grant-suspension-decided.v1']));

    // The REST feed: the credit copies only with context=credit.
    const system = t.token({ role: 'system' });
    const feed = (await t.http.get('/v1/events?limit=1000&context=credit').set(bearer(system)).expect(200)).body.events;
    expect(feed.map((e: { id: string; type: string }) => [e.id, e.type])).toEqual(credit.map((m) => [m.headers.ce_id, m.headers.ce_type]));
    const all = (await t.http.get('/v1/events?limit=1000').set(bearer(system)).expect(200)).body.events;
    expect(all.filter((e: { source: string }) => e.source === '/ipstd/credit')).toEqual([]);
    expect(new Set(all.map((e: { id: string }) => e.id)).size).toBe(all.length);
  }, 180_000);
});
