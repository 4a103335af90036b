import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Kafka, logLevel } from 'kafkajs';
import { INTEGRATION_CONTRACTS, IntegrationGateway, ReminderScheduler, isPublished, topicsFor } from '@ipstd/messaging';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { ConsumedMessage, consumeAll, testKafkaBrokers, uniqueTopicPrefix } from '../support/kafka';
import { awardedGrant, seededCreditCode } from '../support/seed';
import { until } from '../support/wait';
import { publishedEventIds } from '../support/integration';

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const validators = new Map(INTEGRATION_CONTRACTS.map((c) => [c.type, ajv.compile(c.schema)]));

describe('integration gateway on a real Kafka broker', () => {
  let t: TestApp;
  let brokers: string[];
  let prefix: string;
  let kafka: Kafka;
  const topics = () => topicsFor(prefix);
  const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
  let programmeId: string;

  async function relayCaughtUp(): Promise<void> {
    const gateway = t.app.get(IntegrationGateway);
    await until(() => gateway.status(), (s) => s.relay !== null && s.relay.lag === '0', 30_000);
  }

  async function produce(topic: string, messages: Array<{ key?: string; value: string | Buffer; headers: Record<string, string> }>): Promise<void> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();
  }

  const published = async (): Promise<ConsumedMessage[]> => {
    const expected = (await publishedEventIds(t.runtime.store)).length;
    return consumeAll(brokers, Object.values(topics().outbound), { until: (m) => m.length >= expected, timeoutMs: 30_000 });
  };

  beforeAll(async () => {
    brokers = testKafkaBrokers();
    prefix = uniqueTopicPrefix('gw');
    kafka = new Kafka({ brokers, clientId: 'integration-e2e', logLevel: logLevel.NOTHING });
    t = await startTestApp({
      now: '2024-10-09T02:00:00Z',
      env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '3', KAFKA_CONSUMER_GROUP: `${prefix}-gateway`, KAFKA_RELAY_BATCH_SIZE: '50' },
    });
    await t.app.get(IntegrationGateway).ready();
    const terms = suzhouTerms({
      code: 'SZ-KAFKA',
      tranchePlan: [
        { percent: 50, trigger: 'award' },
        { percent: 50, trigger: 'award' },
      ],
      review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] },
    });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('publishes a REST command as a CloudEvent on its context topic, keyed by aggregate id, with ce_* headers', async () => {
    const applicant = t.token({ role: 'applicant', org: CREDIT_CODES.huqiu });
    const submitted = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: CREDIT_CODES.huqiu, district: '320505' })).expect(201);
    const applicationId: string = submitted.body.applicationId;
    const [stored] = await t.runtime.store.readStream(`application-${applicationId}`, { maxCount: 1 });

    const messages = await consumeAll(brokers, [topics().outbound.applications], { until: (m) => m.some((x) => x.headers.ce_id === stored.eventId) });
    const message = messages.find((m) => m.headers.ce_id === stored.eventId)!;
    expect(message.key).toBe(applicationId);
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      ce_specversion: '1.0',
      ce_id: stored.eventId,
      ce_source: '/ipstd/applications',
      ce_type: 'cn.ipstd.applications.application-submitted.v1',
      ce_subject: applicationId,
      ce_time: stored.recordedAt,
      ce_position: stored.globalPosition.toString(),
      ce_city: '320500',
      ce_correlationid: stored.metadata.correlationId,
    });
    const data = JSON.parse(message.value);
    expect(data).toEqual({
      applicationId,
      programmeId,
      enterprise: { creditCode: CREDIT_CODES.huqiu, name: expect.any(String), district: '320505' },
      project: { title: expect.any(String), requestedAmountFen: expect.any(Number) },
      submittedAt: (stored.data as { submittedAt: string }).submittedAt,
    });
    // Personal data stays in the system.
    expect(message.value).not.toContain('phone');
  });

  it('publishes every contracted event of a lifecycle exactly as the feed serves it, valid against its schema, in order per key', async () => {
    const grantId = await awardedGrant(t, programmeId, admin(), { creditCode: seededCreditCode(1, '320506'), district: '320506', approvedAmountFen: 10_000_000 });
    const finance = t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });
    for (const n of [1, 2]) {
      await t.http.post(`/v1/grants/${grantId}/tranches/${n}/release-order`).set(bearer(admin())).send({ orderNo: `SZ-K${n}` }).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/${n}/payment`).set(bearer(finance)).send({ reference: `TRE-K${n}`, valueDate: '2024-10-08', amountFen: 5_000_000 }).expect(200);
    }
    for (let i = 10; i < 16; i++) {
      const code = seededCreditCode(i, '320571');
      const applicant = t.token({ role: 'applicant', org: code });
      const id = (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: code, district: '320571' })).expect(201)).body.applicationId;
      await t.http.post(`/v1/applications/${id}/amendments`).set(bearer(applicant)).send(suzhouProfile({ creditCode: code, district: '320571', name: `改名${i}` })).expect(200);
      await t.http.post(`/v1/applications/${id}/withdrawal`).set(bearer(applicant)).send({ reason: '放弃' }).expect(200);
    }
    await relayCaughtUp();

    const expected = await publishedEventIds(t.runtime.store);
    const messages = await published();
    const unique = new Map(messages.map((m) => [m.headers.ce_id, m]));
    expect([...unique.keys()].sort()).toEqual([...expected].sort());
    expect([...new Set(messages.map((m) => m.headers.ce_type))]).toEqual(
      expect.arrayContaining(['cn.ipstd.grants.grant-awarded.v1', 'cn.ipstd.grants.tranche-paid.v1', 'cn.ipstd.applications.application-selected.v1', 'cn.ipstd.applications.application-withdrawn.v1']),
    );

    for (const m of messages) {
      const validate = validators.get(m.headers.ce_type)!;
      expect({ type: m.headers.ce_type, valid: validate(JSON.parse(m.value)), errors: validate.errors ?? null }).toEqual({ type: m.headers.ce_type, valid: true, errors: null });
      expect(m.key).toBe(m.headers.ce_subject);
    }
    const lastPositionByKey = new Map<string, bigint>();
    for (const m of messages) {
      const position = BigInt(m.headers.ce_position);
      expect(position > (lastPositionByKey.get(m.key!) ?? 0n)).toBe(true);
      lastPositionByKey.set(m.key!, position);
    }

    // The REST feed serves the same CloudEvents (structured form), page by page.
    const system = t.token({ role: 'system', sub: 'provincial-reporting' });
    const fed: any[] = [];
    for (let after = '0'; ; ) {
      const page = (await t.http.get(`/v1/events?after=${after}&limit=7`).set(bearer(system)).expect(200)).body;
      fed.push(...page.events);
      if (!page.more) break;
      after = page.next;
    }
    expect(fed.map((e) => e.id)).toEqual(expected);
    for (const e of fed) {
      const m = unique.get(e.id)!;
      expect(JSON.parse(m.value)).toEqual(e.data);
      expect({ type: e.type, subject: e.subject, position: e.position, source: e.source, time: e.time, city: e.city }).toEqual({
        type: m.headers.ce_type,
        subject: m.headers.ce_subject,
        position: m.headers.ce_position,
        source: m.headers.ce_source,
        time: m.headers.ce_time,
        city: m.headers.ce_city,
      });
    }
  }, 120_000);

  describe('GET /v1/events', () => {
    it('scopes auditors to their city and filters by context', async () => {
      const suzhou = (await t.http.get('/v1/events?limit=1000').set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(200)).body;
      expect(suzhou.events.length).toBeGreaterThan(0);
      expect(suzhou.events.every((e: any) => e.city === '320500')).toBe(true);
      const rizhao = (await t.http.get('/v1/events?limit=1000').set(bearer(t.token({ role: 'auditor', city: '371100' }))).expect(200)).body;
      expect(rizhao.events).toEqual([]);
      expect(rizhao.more).toBe(false);
      const grants = (await t.http.get('/v1/events?limit=1000&context=grants').set(bearer(t.token({ role: 'system' }))).expect(200)).body;
      expect(grants.events.length).toBeGreaterThan(0);
      expect(grants.events.every((e: any) => e.source === '/ipstd/grants')).toBe(true);
    });

    it.each([
      ['limit=0', 'VALIDATION_FAILED'],
      ['limit=1001', 'VALIDATION_FAILED'],
      ['after=-1', 'VALIDATION_FAILED'],
      ['after=abc', 'VALIDATION_FAILED'],
      ['context=people', 'VALIDATION_FAILED'],
      ['after=9999999999999999999', 'POSITION_OUT_OF_RANGE'],
    ])('refuses %s with a bilingual problem', async (query, code) => {
      const response = await t.http.get(`/v1/events?${query}`).set(bearer(t.token({ role: 'system' }))).expect(400);
      expect(response.body).toMatchObject({ code, detailZh: expect.any(String), detailEn: expect.any(String) });
    });

    it.each(['applicant', 'programme-admin', 'finance', 'expert', 'district-office'] as const)('answers 403 to %s', async (role) => {
      await t.http.get('/v1/events').set(bearer(t.token({ role, city: '320500', district: '320505', org: CREDIT_CODES.huqiu }))).expect(403);
    });

    it('serves the contracts without a token', async () => {
      const doc = (await t.http.get('/v1/integration/asyncapi.json').expect(200)).body;
      expect(Object.keys(doc.channels)).toEqual(expect.arrayContaining([topics().outbound.grants, topics().inbound['treasury-payments'], topics().deadLetter]));
      const schema = (await t.http.get('/v1/integration/schemas/cn.ipstd.grants.tranche-paid.v1').expect(200)).body;
      expect(schema.required).toEqual(expect.arrayContaining(['grantId', 'amountFen']));
      await t.http.get('/v1/integration/schemas/cn.ipstd.grants.nothing.v1').expect(404);
    });
  });

  describe('inbound topics', () => {
    let grantId: string;
    const creditCode = seededCreditCode(2, '320507');
    const paymentHeaders = (id: string) => ({ ce_specversion: '1.0', ce_id: id, ce_source: '/treasury/suzhou', ce_type: 'cn.gov.treasury.payment-confirmed' });
    const payment = (trancheNo: number, reference = `TRE-IN-${trancheNo}`) => JSON.stringify({ grantId, trancheNo, city: '320500', reference, valueDate: '2024-10-08', amountFen: 7_500_000 });

    beforeAll(async () => {
      grantId = await awardedGrant(t, programmeId, admin(), { creditCode, district: '320507', approvedAmountFen: 15_000_000 });
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-IN-1' }).expect(200);
    }, 60_000);

    const grantEvents = async (type: string) => (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === type);
    const deadLetters = (count: number) => consumeAll(brokers, [topics().deadLetter], { until: (m) => m.length >= count, timeoutMs: 30_000 });

    it('applies a treasury payment confirmation once, however often it is delivered', async () => {
      const id = randomUUID();
      await produce(topics().inbound['treasury-payments'], [{ key: grantId, value: payment(1), headers: paymentHeaders(id) }]);
      await until(() => grantEvents('TranchePaid'), (e) => e.length === 1, 30_000);
      await produce(topics().inbound['treasury-payments'], [{ key: grantId, value: payment(1), headers: paymentHeaders(id) }]);
      // A marker behind the duplicate on the same partition shows the duplicate was handled.
      const marker = seededCreditCode(3, '320507');
      await produce(topics().inbound['credit-status'], [{ key: grantId, value: JSON.stringify({ creditCode: marker, present: true, source: 'credit-china', reference: 'MARK-1', observedAt: '2024-10-09T10:00:00+08:00' }), headers: { ce_specversion: '1.0', ce_id: randomUUID(), ce_source: '/credit-china' } }]);
      await until(() => t.runtime.store.readStream(`enterprise-${marker}`), (e) => e.length === 1, 30_000);
      const paid = await grantEvents('TranchePaid');
      expect(paid).toHaveLength(1);
      expect(paid[0].data).toMatchObject({ trancheNo: 1, amountFen: 7_500_000, reference: 'TRE-IN-1' });
      expect(paid[0].metadata.actor).toEqual({ userId: 'inbound:/treasury/suzhou', role: 'system', organisation: '/treasury/suzhou' });
    }, 60_000);

    it('records credit facts from binary and structured CloudEvents and re-assesses open applications', async () => {
      const applicantCode = seededCreditCode(4, '320508');
      const applicant = t.token({ role: 'applicant', org: applicantCode });
      const applicationId = (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: applicantCode, district: '320508' })).expect(201)).body.applicationId;
      await produce(topics().inbound['credit-status'], [
        { key: applicantCode, value: JSON.stringify({ creditCode: applicantCode, present: true, source: 'credit-china', reference: 'SD-2024-1', observedAt: '2024-10-09T09:00:00+08:00' }), headers: { ce_specversion: '1.0', ce_id: randomUUID(), ce_source: '/credit-china' } },
      ]);
      await produce(topics().inbound['patent-notices'], [
        {
          key: applicantCode,
          value: JSON.stringify({ specversion: '1.0', id: randomUUID(), source: '/cnipa', type: 'cn.gov.cnipa.abnormal-application', data: { creditCode: applicantCode, present: true, source: 'cnipa', reference: 'AB-7', observedAt: '2024-10-09T09:30:00+08:00' } }),
          headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
        },
      ]);
      const facts = await until(() => t.runtime.store.readStream(`enterprise-${applicantCode}`), (e) => e.length === 2, 30_000);
      expect(facts.map((e) => (e.data as { fact: string }).fact).sort()).toEqual(['abnormal-patent-application', 'serious-dishonesty']);
      const reassessed = await until(
        () => t.runtime.store.readStream(`application-${applicationId}`),
        (e) => e.some((x) => x.type === 'EligibilityAssessed' && (x.data as { trigger: string }).trigger === 'credit-fact'),
        30_000,
      );
      expect(reassessed.filter((e) => e.type === 'EligibilityAssessed').pop()!.data).toMatchObject({ assessment: { outcome: 'ineligible' } });
    }, 60_000);

    it('dead-letters a poison message with the reason in headers and goes on with the next one on the partition', async () => {
      await t.http.post(`/v1/grants/${grantId}/tranches/2/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-IN-2' }).expect(200);
      const poisonId = randomUUID();
      const invalidId = randomUUID();
      const refusedId = randomUUID();
      await produce(topics().inbound['treasury-payments'], [
        { key: grantId, value: Buffer.from('{"grantId": nope'), headers: paymentHeaders(poisonId) },
        { key: grantId, value: JSON.stringify({ grantId, trancheNo: 2, city: '320500', reference: 'X', valueDate: '2024-13-01', amountFen: -5, extra: true }), headers: paymentHeaders(invalidId) },
        // Rizhao's treasury cannot confirm a Suzhou grant's payment.
        { key: grantId, value: JSON.stringify({ grantId, trancheNo: 2, city: '371100', reference: 'RZ-1', valueDate: '2024-10-08', amountFen: 7_500_000 }), headers: paymentHeaders(refusedId) },
        { key: grantId, value: JSON.stringify({ grantId }), headers: { ce_specversion: '1.0', ce_source: '/treasury/suzhou' } },
        { key: grantId, value: payment(2), headers: paymentHeaders(randomUUID()) },
      ]);
      const dead = await deadLetters(4);
      const byId = new Map(dead.map((m) => [m.headers.ce_id ?? 'none', m]));
      expect(byId.get(poisonId)!.headers).toMatchObject({ dlq_reason_code: 'MALFORMED_JSON', dlq_original_topic: topics().inbound['treasury-payments'], dlq_original_offset: expect.stringMatching(/^\d+$/), ce_source: '/treasury/suzhou' });
      expect(byId.get(poisonId)!.value).toBe('{"grantId": nope');
      expect(byId.get(poisonId)!.key).toBe(grantId);
      const invalid = byId.get(invalidId)!.headers;
      expect(invalid).toMatchObject({ dlq_reason_code: 'VALIDATION_FAILED', dlq_reason_zh: '消息内容未通过校验', dlq_reason_en: 'The message did not pass validation' });
      expect(JSON.parse(invalid.dlq_errors).map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['valueDate', 'amountFen', 'extra']));
      expect(byId.get(refusedId)!.headers.dlq_reason_code).toBe('GRANT_OUTSIDE_TREASURY_CITY');
      expect(byId.get('none')!.headers.dlq_reason_code).toBe('MESSAGE_ID_MISSING');

      // The partition is not blocked: the message behind the poison ones is applied.
      const paid = await until(() => grantEvents('TranchePaid'), (e) => e.some((x) => (x.data as { trancheNo: number }).trancheNo === 2), 30_000);
      expect(paid.map((e) => (e.data as { trancheNo: number }).trancheNo)).toEqual([1, 2]);
    }, 90_000);
  });

  it('publishes deadline reminders on <prefix>.notifications, keyed by the reminder id, as the feed serves them', async () => {
    // Applications of earlier tests were never endorsed: their district offices are reminded two working
    // days before the endorsement deadline (2024-11-20), at 09:00 Shanghai on Monday 18 November.
    const scheduler = t.app.get(ReminderScheduler);
    t.clock.set('2024-11-18T01:00:00Z');
    try {
      await until(() => scheduler.caughtUp(), (done) => done, 20_000);
      expect((await scheduler.runOnce()).sent).toBeGreaterThanOrEqual(1);
      const messages = await consumeAll(brokers, [topics().outbound.notifications], {
        until: (m) => m.some((x) => x.headers.ce_type === 'cn.ipstd.notifications.deadline-reminder.v1' && JSON.parse(x.value).recipient.scope.code === '320505'),
        timeoutMs: 30_000,
      });
      const reminders = messages.filter((m) => m.headers.ce_type === 'cn.ipstd.notifications.deadline-reminder.v1');
      // One per district office with a pending application, never two for one.
      const districts = reminders.map((m) => JSON.parse(m.value).recipient.scope.code as string);
      expect(new Set(districts).size).toBe(districts.length);
      const reminder = reminders.find((m) => JSON.parse(m.value).recipient.scope.code === '320505')!;
      const data = JSON.parse(reminder.value);
      expect(validators.get(reminder.headers.ce_type)!(data)).toBe(true);
      expect(data).toMatchObject({ kind: 'endorsement-deadline', recipient: { role: 'district-office', scope: { type: 'district', code: '320505' } }, resource: { type: 'programme', id: programmeId } });
      expect(reminder.key).toBe(data.reminderId);
      expect(reminder.headers).toMatchObject({ ce_id: data.reminderId, ce_source: '/ipstd/notifications', ce_city: '320500' });
      const feed = (await t.http.get('/v1/events?context=notifications').set(bearer(t.token({ role: 'system' }))).expect(200)).body.events;
      expect(feed.map((e: { id: string }) => e.id)).toContain(data.reminderId);
      expect(feed.find((e: { id: string }) => e.id === data.reminderId).data).toEqual(data);
    } finally {
      t.clock.set('2024-10-09T02:00:00Z');
    }
  }, 60_000);

  it('publishes only events that are in the log', async () => {
    const ids = new Set(await publishedEventIds(t.runtime.store));
    const messages = await published();
    expect(messages.every((m) => ids.has(m.headers.ce_id))).toBe(true);
    expect((await t.runtime.store.readAll({ after: 0n, maxCount: 100_000 })).filter(isPublished).length).toBe(ids.size);
  }, 60_000);
});

describe('without KAFKA_BROKERS (the embedded default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs no gateway and serves the integration events on the feed', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-NOKAFKA' })).expect(201)).body.programmeId;
    const system = t.token({ role: 'system' });
    const status = (await t.http.get('/v1/integration/status').set(bearer(system)).expect(200)).body;
    expect(status).toMatchObject({ enabled: false, relay: null, brokers: [] });
    const feed = (await t.http.get('/v1/events').set(bearer(system)).expect(200)).body;
    expect(feed.events).toEqual([expect.objectContaining({ type: 'cn.ipstd.applications.programme-opened.v1', subject: programmeId, city: '320500', data: expect.objectContaining({ programmeId, code: 'SZ-NOKAFKA' }) })]);
    expect(feed.more).toBe(false);
    await t.http.get('/v1/integration/status').set(bearer(t.token({ role: 'applicant', org: CREDIT_CODES.huqiu }))).expect(403);
  });
});
