import { createHash } from 'node:crypto';
import { request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import supertest from 'supertest';
import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { PlatformModule, ProjectionRunner, Runtime, configureHttpApp } from '@ipstd/platform';
import { ALL_PROJECTIONS } from '@ipstd/read-models';
import { Client } from 'pg';
import { FINANCE_PROJECTIONS, FinanceModule, canonicalRowText, statementIdFor } from '@ipstd/finance';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { until } from '../support/wait';
import { awardedGrant } from '../support/seed';

const HEADER = 'reference,payee_credit_code,amount_yuan,value_date,direction';

function code(district: string, tail: string): string {
  const first17 = `91${district}MA${tail}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** The finance endpoints on the same runtime, for as long as FinanceModule is not yet in the standalone app. */
@Module({})
class FinanceOnlyModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: FinanceOnlyModule, imports: [PlatformModule.forRoot(runtime), FinanceModule] };
  }
}

async function postStream(server: Server, path: string, token: string, body: Readable): Promise<{ status: number; body: any }> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv; charset=utf-8' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    body.pipe(req);
  });
}

describe('finance: ledger, statement import and reconciliation', () => {
  let t: TestApp;
  let financeApp: INestApplication | null = null;
  let runner: ProjectionRunner | null = null;
  let fin: ReturnType<typeof supertest>;
  let server: Server;
  let programmeId: string;
  let grantA: string;
  let grantB: string;
  const creditA = CREDIT_CODES.huqiu;
  const creditB = code('320506', '0000301');

  const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
  const finance = () => t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });
  const auditor = () => t.token({ role: 'auditor', city: '320500', sub: 'auditor-sz' });

  async function caughtUp(): Promise<void> {
    await t.projectionsCaughtUp();
    if (runner) {
      const r = runner;
      await until(() => r.lag(), (lag) => Object.values(lag.projections).every((l) => l === 0n), 60_000);
    }
  }

  const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
  const importCsv = (text: string | Buffer, token = finance()) => fin.post('/v1/finance/statements').set(bearer(token)).set('Content-Type', 'text/csv').send(Buffer.from(text));

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    // Until the lead wires FinanceModule and FINANCE_PROJECTIONS into the apps, serve and project them here.
    const wired = (await t.http.get('/v1/finance/ledger').set(bearer(finance()))).status !== 404;
    if (wired) {
      fin = t.http;
      server = t.app.getHttpServer();
    } else {
      financeApp = await NestFactory.create(FinanceOnlyModule.register(t.runtime), { bodyParser: false, logger: false });
      configureHttpApp(financeApp, t.config, t.runtime.ids, { title: 'finance test' });
      await financeApp.init();
      fin = supertest(financeApp.getHttpServer());
      server = financeApp.getHttpServer();
    }
    if (!ALL_PROJECTIONS.some((p) => p.name === 'finance-ledger')) {
      runner = new ProjectionRunner(t.db.pool, t.runtime.store, FINANCE_PROJECTIONS, { log: { log: () => undefined, warn: () => undefined, error: () => undefined } });
      await runner.start();
    }

    const terms = suzhouTerms({
      code: 'SZ-FIN',
      tranchePlan: [
        { percent: 50, trigger: 'award' },
        { percent: 50, trigger: 'award' },
      ],
      review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] },
    });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;

    // Grant A: 400,000.00 yuan, both tranches ordered and paid, a clawback of 150,000.00 of which 50,000.00 repaid.
    // Grant B: 100,000.00 yuan, tranche 1 ordered (50,000.00) but not paid.
    grantA = await awardedGrant(t, programmeId, admin(), { creditCode: creditA, district: '320505', approvedAmountFen: 40_000_000 });
    grantB = await awardedGrant(t, programmeId, admin(), { creditCode: creditB, district: '320506', approvedAmountFen: 10_000_000 });
    await t.http.post(`/v1/grants/${grantA}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-A1' }).expect(200);
    await t.http.post(`/v1/grants/${grantA}/tranches/2/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-A2' }).expect(200);
    await t.http.post(`/v1/grants/${grantB}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-B1' }).expect(200);
    // Finance confirms each payment on its value date (a value date after today is refused).
    t.clock.set('2024-12-20T02:00:00Z');
    await t.http.post(`/v1/grants/${grantA}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-A1', valueDate: '2024-12-20', amountFen: 20_000_000 }).expect(200);
    t.clock.set('2025-01-10T02:00:00Z');
    await t.http.post(`/v1/grants/${grantA}/tranches/2/payment`).set(bearer(finance())).send({ reference: 'TRE-A2', valueDate: '2025-01-10', amountFen: 20_000_000 }).expect(200);
    const clawback = await t.http.post(`/v1/grants/${grantA}/clawbacks`).set(bearer(admin())).send({ amountFen: 15_000_000, reason: '未完成合同约定', dueDate: '2026-03-31' }).expect(201);
    const clawbackId = clawback.body.clawbacks[0].clawbackId;
    t.clock.set('2025-02-01T02:00:00Z');
    await t.http.post(`/v1/grants/${grantA}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 5_000_000, reference: 'BANK-A1', valueDate: '2025-02-01' }).expect(201);
    await caughtUp();
    // Statements are imported later than the payments they show: value dates after today are refused.
    t.clock.set('2025-06-30T02:00:00Z');
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await financeApp?.close();
    await t?.close();
  });

  describe('ledger', () => {
    it('gives exact per-programme, per-month and per-grant figures in fen', async () => {
      const ledger = (await fin.get(`/v1/finance/ledger?programmeId=${programmeId}&period=month`).set(bearer(finance())).expect(200)).body;
      expect(ledger).toMatchObject({ programmeId, city: '320500', period: 'month', currency: 'CNY' });
      expect(ledger.totals).toEqual({
        awardedFen: 50_000_000,
        orderedFen: 45_000_000,
        paidFen: 40_000_000,
        clawbackOrderedFen: 15_000_000,
        repaidFen: 5_000_000,
        writtenOffFen: 0,
        unpaidOrderedFen: 5_000_000,
        netPaidFen: 35_000_000,
        outstandingFen: 10_000_000,
      });
      expect(ledger.months.map((m: any) => [m.month, m.awardedFen, m.orderedFen, m.paidFen, m.clawbackOrderedFen, m.repaidFen])).toEqual([
        ['2024-10', 50_000_000, 45_000_000, 0, 0, 0],
        ['2024-12', 0, 0, 20_000_000, 0, 0],
        ['2025-01', 0, 0, 20_000_000, 15_000_000, 0],
        ['2025-02', 0, 0, 0, 0, 5_000_000],
      ]);
      const a = ledger.grants.find((g: any) => g.grantId === grantA);
      const b = ledger.grants.find((g: any) => g.grantId === grantB);
      expect(a).toMatchObject({ creditCode: creditA, awardedFen: 40_000_000, orderedFen: 40_000_000, paidFen: 40_000_000, clawbackOrderedFen: 15_000_000, repaidFen: 5_000_000, netPaidFen: 35_000_000, outstandingFen: 10_000_000 });
      expect(b).toMatchObject({ creditCode: creditB, awardedFen: 10_000_000, orderedFen: 5_000_000, paidFen: 0, unpaidOrderedFen: 5_000_000, outstandingFen: 0 });
      expect(a.months.map((m: any) => m.month)).toEqual(['2024-10', '2024-12', '2025-01', '2025-02']);

      const window = (await fin.get(`/v1/finance/ledger?programmeId=${programmeId}&period=month&from=2024-12&to=2025-01`).set(bearer(auditor())).expect(200)).body;
      expect(window.totals).toMatchObject({ awardedFen: 0, orderedFen: 0, paidFen: 40_000_000, repaidFen: 0, netPaidFen: 40_000_000 });
      expect(window.months.map((m: any) => m.month)).toEqual(['2024-12', '2025-01']);

      expect((await fin.get(`/v1/finance/ledger?programmeId=${programmeId}&from=2024-13`).set(bearer(finance())).expect(400)).body.code).toBe('QUERY_INVALID');
      expect((await fin.get(`/v1/finance/ledger?programmeId=0190a4b2-0000-7000-8000-000000000000`).set(bearer(finance())).expect(404)).body.code).toBe('PROGRAMME_NOT_FOUND');
    });

    it('is refused to other roles and to finance of another city; the bureau of the city reads it', async () => {
      const path = `/v1/finance/ledger?programmeId=${programmeId}&period=month`;
      expect((await fin.get(path).set(bearer(admin())).expect(200)).body.city).toBe('320500');
      for (const token of [
        t.token({ role: 'applicant', org: creditA }),
        t.token({ role: 'expert', sub: 'e1' }),
        t.token({ role: 'programme-admin', city: '371100' }),
        t.token({ role: 'district-office', district: '320505' }),
        t.token({ role: 'finance', city: '371100' }),
        t.token({ role: 'auditor', city: '371100' }),
      ]) {
        expect((await fin.get(path).set(bearer(token))).status).toBe(403);
      }
    });
  });

  describe('statement import', () => {
    it('refuses a file with bad rows whole, listing every bad row, and appends nothing', async () => {
      const head = await t.runtime.store.headPosition();
      const response = await importCsv(
        csv(
          `OK-1,${creditA},100.00,2024-12-01,debit`,
          `BAD-AMOUNT,${creditA},12.5,2024-12-01,debit`,
          `OK-2,${creditA},100.00,2024-12-01,debit`,
          `BAD-DATE,${creditA},100.00,2024-02-30,debit`,
          `BAD-DIRECTION,${creditA},100.00,2024-12-01,out`,
        ),
      ).expect(422);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ code: 'STATEMENT_INVALID', problemCount: 3, truncated: false });
      expect(response.body.errors.map((e: any) => [e.line, e.field, e.code])).toEqual([
        [3, 'amount_yuan', 'AMOUNT_FORMAT'],
        [5, 'value_date', 'DATE_FORMAT'],
        [6, 'direction', 'DIRECTION'],
      ]);
      for (const e of response.body.errors) expect(e.zh && e.en).toBeTruthy();
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('refuses bad encodings, media types and oversize bodies', async () => {
      const head = await t.runtime.store.headPosition();
      const latin1 = Buffer.concat([Buffer.from(`${HEADER}\nOK,${creditA},1.00,2024-12-01,debit\nX`), Buffer.from([0xff, 0xfe]), Buffer.from(`,${creditA},1.00,2024-12-01,debit\n`)]);
      const encoding = await importCsv(latin1).expect(422);
      expect(encoding.body.errors).toEqual([expect.objectContaining({ line: 3, field: '*', code: 'ENCODING' })]);
      expect((await fin.post('/v1/finance/statements').set(bearer(finance())).set('Content-Type', 'text/plain').send('x').expect(415)).body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect((await importCsv(`${HEADER}\n`).expect(422)).body.errors[0].code).toBe('EMPTY');
      const big = await postStream(
        server,
        '/v1/finance/statements',
        finance(),
        Readable.from((function* () {
          yield `${HEADER}\n`;
          const line = `BIG-REF,${creditA},1.00,2024-12-01,debit\n`.repeat(10_000);
          for (let i = 0; i < 40; i++) yield line; // ≈ 16 MB, sent chunked without Content-Length
        })()),
      ).catch((error: Error) => ({ status: -1, body: { error: error.message } }));
      // The server answers before reading the whole upload and closes the connection; a client may see EPIPE instead.
      if (big.status !== -1) expect(big).toMatchObject({ status: 413, body: { code: 'STATEMENT_TOO_LARGE' } });
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('converts yuan to fen exactly and records the statement in the log', async () => {
      const text = '\uFEFF' + csv(`EXACT-1,${creditA},0.10,2024-11-01,debit`, `EXACT-2,${creditA},12345678.99,2024-11-02,debit`, `EXACT-3,${creditA},0.01,2024-11-03,credit`);
      const created = await importCsv(text).expect(201);
      expect(created.body).toMatchObject({ rowCount: 3, chunkCount: 1, debit: { count: 2, totalFen: 1_234_567_909 }, credit: { count: 1, totalFen: 1 }, period: { from: '2024-11-01', to: '2024-11-30' } });
      expect(created.headers.location).toBe(`/v1/finance/reconciliations/${created.body.statementId}`);
      const events = await t.runtime.store.readStream(`statement-${created.body.statementId}`);
      expect(events.map((e) => e.type)).toEqual(['StatementRowsRecorded', 'StatementImported']);
      expect((events[0].data as any).rows.map((r: any) => r.amountFen)).toEqual([10, 1_234_567_899, 1]);
      expect(events[1].data).toMatchObject({ rowCount: 3, city: '320500', fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      await caughtUp();
      const again = await importCsv(text).expect(200);
      expect(again.body).toEqual(created.body);
    });

    it('is refused to every role but finance', async () => {
      const head = await t.runtime.store.headPosition();
      for (const token of [t.token({ role: 'applicant', org: creditA }), t.token({ role: 'expert', sub: 'e1' }), admin(), auditor()]) {
        expect((await importCsv(csv(`R-1,${creditA},1.00,2024-12-01,debit`), token)).status).toBe(403);
      }
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('imports a 100,000-row statement streamed in, in chunks of 1,000 rows', async () => {
      const rows = 100_000;
      function* generate() {
        yield `${HEADER}\r\n`;
        for (let start = 0; start < rows; start += 1000) {
          let block = '';
          for (let i = start; i < start + 1000; i++) block += `BULK-${String(i).padStart(6, '0')},${creditA},${1 + (i % 997)}.${String(i % 100).padStart(2, '0')},2024-11-${String(1 + (i % 28)).padStart(2, '0')},debit\r\n`;
          yield block;
        }
      }
      let expectedFen = 0;
      for (let i = 0; i < rows; i++) expectedFen += (1 + (i % 997)) * 100 + (i % 100);
      const started = Date.now();
      const response = await postStream(server, '/v1/finance/statements', finance(), Readable.from(generate()));
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ rowCount: rows, chunkCount: 100, debit: { count: rows, totalFen: expectedFen } });
      const { rows: counted } = await t.db.pool.query<{ n: number }>(`select count(*)::int as n from es_events where stream_id = $1 and event_type = 'StatementRowsRecorded'`, [`statement-${response.body.statementId}`]);
      expect(counted[0].n).toBe(100);
      const imported = Date.now() - started;
      await caughtUp();
      const projected = Date.now() - started;
      const rec = (await fin.get(`/v1/finance/reconciliations/${response.body.statementId}?limit=5`).set(bearer(finance())).expect(200)).body;
      expect(rec.summary['payment-without-release-order']).toEqual({ count: rows, totalFen: expectedFen });
      expect(rec.categories['payment-without-release-order'].items).toHaveLength(5);
      const page2 = (await fin.get(`/v1/finance/reconciliations/${response.body.statementId}?limit=5&category=payment-without-release-order&after=${rec.categories['payment-without-release-order'].next}`).set(bearer(finance())).expect(200)).body;
      expect(page2.categories['payment-without-release-order'].items.map((i: any) => i.line)).toEqual([7, 8, 9, 10, 11]);
      // eslint-disable-next-line no-console
      console.log(`100,000-row statement: imported in ${imported} ms, projected by ${projected} ms, reconciled (3 pages) by ${Date.now() - started} ms`);
    }, 180_000);
  });

  describe('idempotent import (by content)', () => {
    /** StatementImported events (every stream) for this content, and all events of its stream. */
    async function imports(contentSha256: string) {
      const { rows } = await t.db.pool.query<{ stream_id: string }>(`select stream_id from es_events where event_type = 'StatementImported' and data->>'contentSha256' = $1`, [contentSha256]);
      const events = rows.length === 1 ? await t.runtime.store.readStream(rows[0].stream_id) : [];
      return { streams: rows.map((r) => r.stream_id), types: events.map((e) => e.type) };
    }

    function contentSha256Of(rows: Array<{ line: number; reference: string; payeeCreditCode: string; amountFen: number; valueDate: string; direction: 'debit' | 'credit' }>): string {
      const hash = createHash('sha256');
      for (const row of rows) hash.update(`${canonicalRowText({ ...row, payeeName: null })}\n`);
      return hash.digest('hex');
    }

    it('imports 20 identical uploads sent at once with one Idempotency-Key once: every answer names the same statement', async () => {
      const text = csv(`RACE-K-1,${creditA},10.00,2025-03-01,debit`, `RACE-K-2,${creditA},20.00,2025-03-02,credit`);
      const responses = await Promise.all(Array.from({ length: 20 }, () => importCsv(text).set('Idempotency-Key', 'statement-race-key-1')));
      const first = responses.find((r) => r.status === 201)!;
      expect(first).toBeDefined();
      for (const r of responses) {
        expect([200, 201]).toContain(r.status);
        expect(r.body).toEqual(first.body);
        expect(r.headers.location).toBe(`/v1/finance/reconciliations/${first.body.statementId}`);
      }
      // One upload appended StatementImported (201); a replay of the stored response repeats its 201.
      expect(responses.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(await imports(first.body.contentSha256)).toEqual({ streams: [`statement-${first.body.statementId}`], types: ['StatementRowsRecorded', 'StatementImported'] });
      // eslint-disable-next-line no-console
      console.log(`20 concurrent uploads, one Idempotency-Key: ${responses.filter((r) => r.status === 201).length}×201, ${responses.filter((r) => r.status === 200).length}×200, 1 statement`);
    });

    it('imports 20 identical uploads sent at once without Idempotency-Key once: one 201, nineteen 200 with the same body', async () => {
      const text = csv(`RACE-1,${creditA},10.00,2025-03-01,debit`, `RACE-2,${creditB},20.00,2025-03-02,debit`);
      const responses = await Promise.all(Array.from({ length: 20 }, () => importCsv(text)));
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
      const created = responses.find((r) => r.status === 201)!;
      for (const r of responses) expect(r.body).toEqual(created.body);
      expect(await imports(created.body.contentSha256)).toEqual({ streams: [`statement-${created.body.statementId}`], types: ['StatementRowsRecorded', 'StatementImported'] });
      // eslint-disable-next-line no-console
      console.log('20 concurrent uploads, no Idempotency-Key: 1×201, 19×200, 1 statement');
    });

    it('cooperates on a multi-chunk statement: 5 concurrent uploads of 2,500 rows write 3 chunks and one StatementImported', async () => {
      const lines = Array.from({ length: 2500 }, (_, i) => `CHUNKS-${String(i).padStart(5, '0')},${creditA},1.${String(i % 100).padStart(2, '0')},2025-03-01,debit`);
      const text = csv(...lines);
      const responses = await Promise.all(Array.from({ length: 5 }, () => importCsv(text)));
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(4);
      const body = responses[0].body;
      for (const r of responses) expect(r.body).toEqual(body);
      expect(body).toMatchObject({ rowCount: 2500, chunkCount: 3 });
      const events = await t.runtime.store.readStream(`statement-${body.statementId}`);
      expect(events.map((e) => [e.type, (e.data as any).chunkNo])).toEqual([
        ['StatementRowsRecorded', 0],
        ['StatementRowsRecorded', 1],
        ['StatementRowsRecorded', 2],
        ['StatementImported', undefined],
      ]);
    });

    it('refuses an Idempotency-Key used before with other bytes (422, nothing imported) and replays it for the same bytes', async () => {
      const first = csv(`KEYED-1,${creditA},10.00,2025-04-01,debit`);
      const other = csv(`KEYED-2,${creditA},99.00,2025-04-02,debit`);
      const created = await importCsv(first).set('Idempotency-Key', 'statement-key-reuse-1').expect(201);
      const head = await t.runtime.store.headPosition();

      const reused = await importCsv(other).set('Idempotency-Key', 'statement-key-reuse-1').expect(422);
      expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', detailZh: expect.stringMatching(/[\u4e00-\u9fff]/), detailEn: expect.stringMatching(/Idempotency-Key/) });
      // Reformatting the same rows is other bytes too: the key names one request, not its content.
      await importCsv(first.replace(/\n/g, '\r\n')).set('Idempotency-Key', 'statement-key-reuse-1').expect(422);
      expect(await t.runtime.store.headPosition()).toBe(head);

      const replayed = await importCsv(first).set('Idempotency-Key', 'statement-key-reuse-1').expect(201);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body).toEqual(created.body);
      expect(replayed.headers.location).toBe(created.headers.location);
      // Under another key, or none, the other file is a statement of its own.
      const second = await importCsv(other).set('Idempotency-Key', 'statement-key-reuse-2').expect(201);
      expect(second.body.statementId).not.toBe(created.body.statementId);
      expect(await t.runtime.store.headPosition()).toBeGreaterThan(head);
    });

    it('keeps no answer for a refused upload: the corrected file under the same Idempotency-Key is imported', async () => {
      const bad = csv(`FIXED-1,${creditA},10.001,2025-04-03,debit`);
      const good = csv(`FIXED-1,${creditA},10.00,2025-04-03,debit`);
      await importCsv(bad).set('Idempotency-Key', 'statement-fixed-1').expect(422);
      const created = await importCsv(good).set('Idempotency-Key', 'statement-fixed-1').expect(201);
      expect(created.headers['idempotent-replayed']).toBeUndefined();
      expect(created.body).toMatchObject({ rowCount: 1, debit: { count: 1, totalFen: 1000 } });
    });

    it('answers the same file uploaded twice in a row, or the same content written differently, with the first result (200)', async () => {
      const text = csv(`TWICE-1,${creditA},10.00,2025-03-01,debit`, `TWICE-2,${creditA},0.01,2025-03-02,credit`);
      const first = await importCsv(text).expect(201);
      const second = await importCsv(text).expect(200);
      expect(second.body).toEqual(first.body);
      expect(second.headers.location).toBe(first.headers.location);
      // BOM, CRLF, quotes, spaces, another column order and letter case: the same content, the same statement.
      const reformatted = `\uFEFFdirection,amount_yuan,reference,payee_credit_code,value_date\r\nDEBIT, "10.00" ,"TWICE-1",${creditA.toLowerCase()},2025-03-01\r\ncredit,0.01,TWICE-2,${creditA},2025-03-02\r\n`;
      const third = await importCsv(reformatted).expect(200);
      expect(third.body).toEqual(first.body);
      expect(await imports(first.body.contentSha256)).toMatchObject({ streams: [`statement-${first.body.statementId}`] });
      // Different content is a different statement.
      const other = await importCsv(csv(`TWICE-1,${creditA},10.00,2025-03-01,debit`)).expect(201);
      expect(other.body.statementId).not.toBe(first.body.statementId);
    });

    it('completes an import a crash left half-done when the file is uploaded again', async () => {
      const rows = [
        { line: 2, reference: 'CRASH-1', payeeCreditCode: creditA, amountFen: 100, valueDate: '2025-03-01', direction: 'debit' as const },
        { line: 3, reference: 'CRASH-2', payeeCreditCode: creditA, amountFen: 200, valueDate: '2025-03-02', direction: 'debit' as const },
      ];
      const statementId = statementIdFor('320500', contentSha256Of(rows));
      // What a process that died after its first chunk leaves behind.
      await t.runtime.store.appendToStream(
        `statement-${statementId}`,
        [{ eventId: t.runtime.ids.next(), type: 'StatementRowsRecorded', schemaVersion: 2, data: { statementId, chunkNo: 0, rows: rows.map((r) => ({ ...r, payeeName: null })) }, metadata: { actor: { userId: 'finance-sz', role: 'finance', organisation: null }, correlationId: 'crash', causationId: null, effectiveAt: t.clock.now().toISOString(), idempotencyKey: null } }],
        { expectedRevision: 'no-stream' },
      );
      expect((await fin.get(`/v1/finance/reconciliations/${statementId}`).set(bearer(finance())).expect(404)).body.code).toBe('STATEMENT_NOT_FOUND');
      const created = await importCsv(csv(`CRASH-1,${creditA},1.00,2025-03-01,debit`, `CRASH-2,${creditA},2.00,2025-03-02,debit`)).expect(201);
      expect(created.body.statementId).toBe(statementId);
      expect((await t.runtime.store.readStream(`statement-${statementId}`)).map((e) => e.type)).toEqual(['StatementRowsRecorded', 'StatementImported']);
    });
    it('answers the bytes of a statement imported before content ids (v1 events, random id) with that statement', async () => {
      const text = csv(`LEGACY-1,${creditA},3.00,2025-03-03,debit`);
      const fileSha256 = createHash('sha256').update(text).digest('hex');
      const legacyId = t.runtime.ids.next();
      const metadata = { actor: { userId: 'finance-sz', role: 'finance', organisation: null }, correlationId: 'legacy', causationId: null, effectiveAt: t.clock.now().toISOString(), idempotencyKey: null };
      const v1Header = { statementId: legacyId, city: '320500', fileSha256, fileBytes: text.length, fileName: null, rowCount: 1, chunkCount: 1, debit: { count: 1, totalFen: 300 }, credit: { count: 0, totalFen: 0 }, period: { from: '2025-03-01', to: '2025-03-31' }, importedAt: t.clock.now().toISOString() };
      await t.runtime.store.appendToStream(
        `statement-${legacyId}`,
        [
          { eventId: t.runtime.ids.next(), type: 'StatementRowsRecorded', schemaVersion: 1, data: { statementId: legacyId, chunkNo: 0, rows: [{ line: 2, reference: 'LEGACY-1', payeeCreditCode: creditA, amountFen: 300, valueDate: '2025-03-03', direction: 'debit' }] }, metadata },
          { eventId: t.runtime.ids.next(), type: 'StatementImported', schemaVersion: 1, data: v1Header, metadata },
        ],
        { expectedRevision: 'no-stream' },
      );
      await caughtUp();
      const again = await importCsv(text).expect(200);
      expect(again.body).toEqual({ ...v1Header, fileName: undefined, contentSha256: null });
      const rec = (await fin.get(`/v1/finance/reconciliations/${legacyId}`).set(bearer(finance())).expect(200)).body;
      expect(rec.categories['payment-without-release-order'].items).toEqual([expect.objectContaining({ line: 2, reference: 'LEGACY-1', payeeName: null })]);
    });
  });

  describe('reconciliation', () => {
    let statementId: string;

    beforeAll(async () => {
      const created = await importCsv(
        csv(
          `TRE-A1,${creditA},200000.00,2024-12-20,debit`, // 2 matched
          `TRE-A2,${creditA},199999.99,2025-01-10,debit`, // 3 amount-mismatch
          `TRE-A1,${creditA},200000.00,2024-12-21,debit`, // 4 duplicate-payment (twice in this statement)
          `UNKNOWN-1,${CREDIT_CODES.sip},1234.56,2024-12-05,debit`, // 5 payment-without-release-order
          `BANK-TO-B,${creditB},49999.00,2024-10-15,debit`, // 6 unmatched-payment (B has an unpaid order, of 50,000.00)
          `BANK-A1,${creditA},50000.00,2025-02-01,credit`, // 7 matched repayment
          `BANK-X,${creditA},10.00,2025-02-02,credit`, // 8 unmatched-repayment
        ),
      ).expect(201);
      statementId = created.body.statementId;
      await caughtUp();
    });

    it('puts each row in one category and lists release orders of the period the statement does not show paid', async () => {
      const rec = (await fin.get(`/v1/finance/reconciliations/${statementId}`).set(bearer(finance())).expect(200)).body;
      expect(rec).toMatchObject({ statementId, city: '320500', rowCount: 7, period: { from: '2024-10-01', to: '2025-02-28' } });
      expect(rec.summary).toEqual({
        matched: { count: 2, totalFen: 25_000_000 },
        'amount-mismatch': { count: 1, totalFen: 19_999_999 },
        'payee-mismatch': { count: 0, totalFen: 0 },
        'duplicate-payment': { count: 1, totalFen: 20_000_000 },
        'payment-without-release-order': { count: 1, totalFen: 123_456 },
        'unmatched-payment': { count: 1, totalFen: 4_999_900 },
        'unmatched-repayment': { count: 1, totalFen: 1_000 },
        'ordered-but-unpaid': { count: 1, totalFen: 5_000_000 },
      });
      const c = rec.categories;
      expect(c.matched.items.map((i: any) => [i.line, i.direction, i.ledger.grantId])).toEqual([[2, 'debit', grantA], [7, 'credit', grantA]]);
      expect(c['amount-mismatch'].items).toEqual([expect.objectContaining({ line: 3, reference: 'TRE-A2', amountFen: 19_999_999, differenceFen: -1, ledger: expect.objectContaining({ amountFen: 20_000_000, trancheNo: 2 }) })]);
      expect(c['duplicate-payment'].items).toEqual([expect.objectContaining({ line: 4, duplicateOf: { statementId: null, line: 2 } })]);
      expect(c['payment-without-release-order'].items).toEqual([expect.objectContaining({ line: 5, reference: 'UNKNOWN-1', ledger: null })]);
      expect(c['unmatched-payment'].items).toEqual([expect.objectContaining({ line: 6, payeeCreditCode: creditB })]);
      expect(c['unmatched-repayment'].items).toEqual([expect.objectContaining({ line: 8, reference: 'BANK-X' })]);
      expect(c['ordered-but-unpaid'].items).toEqual([{ grantId: grantB, trancheNo: 1, orderNo: 'SZ-B1', orderedOn: '2024-10-09', orderedFen: 5_000_000, payeeCreditCode: creditB, ledgerPayment: null }]);
      for (const category of Object.keys(c)) expect(c[category].next).toBeNull();
    });

    it('reports a payment already matched by an earlier statement as a duplicate', async () => {
      const later = await importCsv(csv(`TRE-A1,${creditA},200000.00,2024-12-20,debit`, `TRE-A2,${creditA},200000.00,2025-01-10,debit`)).expect(201);
      await caughtUp();
      const rec = (await fin.get(`/v1/finance/reconciliations/${later.body.statementId}`).set(bearer(auditor())).expect(200)).body;
      expect(rec.categories['duplicate-payment'].items).toEqual([expect.objectContaining({ line: 2, duplicateOf: { statementId, line: 2 } })]);
      // TRE-A2 was only a mismatch earlier, so here it matches
      expect(rec.categories.matched.items.map((i: any) => i.line)).toEqual([3]);
    });

    it('is refused to finance of another city and to other roles', async () => {
      for (const token of [t.token({ role: 'finance', city: '371100' }), t.token({ role: 'auditor', city: '371100' }), admin(), t.token({ role: 'applicant', org: creditA }), t.token({ role: 'expert', sub: 'e1' })]) {
        expect((await fin.get(`/v1/finance/reconciliations/${statementId}`).set(bearer(token))).status).toBe(403);
      }
      expect((await fin.get(`/v1/finance/reconciliations/0190a4b2-0000-7000-8000-000000000000`).set(bearer(finance())).expect(404)).body.code).toBe('STATEMENT_NOT_FOUND');
    });
  });

  describe('reconciliation readiness', () => {
    it('answers 503 RECONCILIATION_NOT_READY with Retry-After right after the 201 until the read models have caught up, then 200', async () => {
      await caughtUp();
      // Hold the finance projections' checkpoints: their next batch waits, as a lagging projector would.
      const lock = new Client({ connectionString: t.db.url });
      await lock.connect();
      try {
        await lock.query('begin');
        await lock.query(`select position from subscription_checkpoints where name like 'finance-%' for update`);
        const created = await importCsv(csv(`READY-1,${creditA},1.00,2025-03-01,debit`)).expect(201);
        const early = await fin.get(`/v1/finance/reconciliations/${created.body.statementId}`).set(bearer(finance())).expect(503);
        expect(early.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(early.headers['retry-after']).toBe('1');
        expect(early.body).toMatchObject({ code: 'RECONCILIATION_NOT_READY', retryAfterSeconds: 1 });
        expect(early.body.detailZh && early.body.detailEn).toBeTruthy();
        // The city is checked before readiness is told.
        expect((await fin.get(`/v1/finance/reconciliations/${created.body.statementId}`).set(bearer(t.token({ role: 'finance', city: '371100' }))).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
        await lock.query('commit');
        const ready = await until(() => fin.get(`/v1/finance/reconciliations/${created.body.statementId}`).set(bearer(finance())), (r) => r.status !== 503, 30_000);
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ statementId: created.body.statementId, summary: { 'payment-without-release-order': { count: 1, totalFen: 100 } } });
      } finally {
        await lock.query('rollback').catch(() => undefined);
        await lock.end();
      }
    });
  });

  describe('payee matching and value dates', () => {
    let nameB: string;

    beforeAll(async () => {
      // Grant B's tranche 1 is now paid (reference TRE-B1).
      t.clock.set('2024-10-21T02:00:00Z');
      await t.http.post(`/v1/grants/${grantB}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-B1', valueDate: '2024-10-20', amountFen: 5_000_000 }).expect(200);
      t.clock.set('2025-06-30T02:00:00Z');
      await caughtUp();
      const ledger = (await fin.get(`/v1/finance/ledger?programmeId=${programmeId}`).set(bearer(finance())).expect(200)).body;
      nameB = ledger.grants.find((g: any) => g.grantId === grantB).enterpriseName;
    });

    async function reconcile(text: string) {
      const created = await importCsv(text).expect(201);
      await caughtUp();
      return (await fin.get(`/v1/finance/reconciliations/${created.body.statementId}`).set(bearer(finance())).expect(200)).body;
    }

    it("reports a payment with the right reference and amount to another enterprise's account as payee-mismatch, never matched", async () => {
      const rec = await reconcile(csv(`TRE-B1,${creditA},50000.00,2024-10-20,debit`));
      expect(rec.summary.matched.count).toBe(0);
      expect(rec.summary['payee-mismatch']).toEqual({ count: 1, totalFen: 5_000_000 });
      expect(rec.categories['payee-mismatch'].items).toEqual([
        expect.objectContaining({ line: 2, reference: 'TRE-B1', payeeCreditCode: creditA, differenceFen: 0, expectedPayee: { creditCode: creditB, name: nameB }, payeeMismatch: ['creditCode'], ledger: expect.objectContaining({ grantId: grantB, trancheNo: 1 }) }),
      ]);
    });

    it("compares the payee name where the statement carries one, ignoring full-width brackets and spaces", async () => {
      const wrongName = await reconcile(`${HEADER},payee_name\nTRE-B1,${creditB},50000.00,2024-10-20,debit,某某贸易有限公司\n`);
      expect(wrongName.categories['payee-mismatch'].items).toEqual([expect.objectContaining({ line: 2, payeeName: '某某贸易有限公司', payeeMismatch: ['name'] })]);
      const variant = ` ${nameB.replace(/\(/g, '（').replace(/\)/g, '）')} `;
      const rightName = await reconcile(`${HEADER},payee_name\n"TRE-B1",${creditB},50000.00,2024-10-20,debit,"${variant}"\n`);
      expect(rightName.summary['payee-mismatch'].count).toBe(0);
      expect(rightName.categories.matched.items).toEqual([expect.objectContaining({ line: 2, reference: 'TRE-B1', ledger: expect.objectContaining({ grantId: grantB }) })]);
    });

    it('refuses value dates after today in Asia/Shanghai (against the clock), naming each row', async () => {
      const head = await t.runtime.store.headPosition();
      const far = await importCsv(csv(`FUTURE-1,${creditA},1.00,2099-01-01,debit`, `FUTURE-2,${creditA},1.00,2025-06-30,debit`)).expect(422);
      expect(far.body).toMatchObject({ code: 'STATEMENT_INVALID', problemCount: 1 });
      expect(far.body.errors).toEqual([expect.objectContaining({ line: 2, field: 'value_date', code: 'DATE_IN_FUTURE', zh: expect.stringMatching(/晚于今天/), en: expect.stringMatching(/after today/) })]);
      // 2025-06-30T15:30Z is 2025-06-30 23:30 in Shanghai: 1 July is still tomorrow; at 16:30Z it is today.
      t.clock.set('2025-06-30T15:30:00Z');
      expect((await importCsv(csv(`FUTURE-3,${creditA},1.00,2025-07-01,debit`)).expect(422)).body.errors[0].code).toBe('DATE_IN_FUTURE');
      expect(await t.runtime.store.headPosition()).toBe(head);
      t.clock.set('2025-06-30T16:30:00Z');
      await importCsv(csv(`FUTURE-3,${creditA},1.00,2025-07-01,debit`)).expect(201);
      t.clock.set('2025-06-30T02:00:00Z');
    });
  });

  describe('ledger snapshot', () => {
    it('never lists grants the totals leave out (or the reverse) while the projection is writing', async () => {
      const terms = suzhouTerms({ code: 'SZ-FIN-SNAP', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
      const snapshotProgramme = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
      // A writer standing in for the projection: each transaction adds one grant's awarded and paid rows.
      const writer = new Client({ connectionString: t.db.url });
      await writer.connect();
      let writing = true;
      let written = 0;
      const write = (async () => {
        for (let i = 1; writing && i <= 400; i++) {
          await writer.query('begin');
          const position = -1_000_000 - i * 2;
          const grantId = `snapshot-grant-${String(i).padStart(4, '0')}`;
          await writer.query(
            `insert into rm_finance_ledger (global_position, grant_id, kind, amount_fen, entry_date, month, programme_id, city, credit_code, enterprise_name, enterprise_name_key, event_id, recorded_at)
             values ($1, $2, 'awarded', 1000, '2025-01-01', '2025-01', $3, '999900', 'X', 'X', 'X', $2, now())`,
            [String(position), grantId, snapshotProgramme],
          );
          await writer.query(`insert into rm_finance_ledger (global_position, grant_id, kind, amount_fen, entry_date, month, reference, tranche_no, event_id, recorded_at) values ($1, $2, 'paid', 10, '2025-01-02', '2025-01', $2, 1, $2, now())`, [String(position + 1), grantId]);
          await writer.query('commit');
          written = i;
        }
      })();
      let reads = 0;
      try {
        while (written < 400 && reads < 400) {
          const ledger = (await fin.get(`/v1/finance/ledger?programmeId=${snapshotProgramme}`).set(bearer(finance())).expect(200)).body;
          reads++;
          const n = ledger.grants.length;
          expect(ledger.totals).toMatchObject({ awardedFen: 1000 * n, paidFen: 10 * n });
          expect(ledger.grants.reduce((sum: number, g: any) => sum + g.awardedFen, 0)).toBe(ledger.totals.awardedFen);
          expect(ledger.months.reduce((sum: number, m: any) => sum + m.awardedFen, 0)).toBe(ledger.totals.awardedFen);
        }
      } finally {
        writing = false;
        await write;
        await writer.query(`delete from rm_finance_ledger where programme_id = $1 or grant_id like 'snapshot-grant-%'`, [snapshotProgramme]);
        await writer.end();
      }
      // eslint-disable-next-line no-console
      console.log(`ledger snapshot: ${reads} consistent reads while ${written} grants were written`);
    }, 120_000);
  });
});
