import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '@ipstd/event-store';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { CHECKPOINTS_TABLE, applyEvents, createTableSql, inTransaction, signHs256 } from '@ipstd/platform';
import { grantIdFor } from '@ipstd/grants';
import { ALL_PROJECTIONS } from '@ipstd/read-models';
import { CHECKPOINT_STREAM, checkpointDataOf } from '@ipstd/audit';
import { RELAY_WORKER, contractForDomainType, topicsFor } from '@ipstd/messaging';
import { ApplicationProfile } from '@ipstd/applications';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestDatabase, createTestDatabase } from '../support/postgres';
import { consumeAll, testKafkaBrokers, uniqueTopicPrefix } from '../support/kafka';
import { freePort } from '../support/free-port';
import { BuiltAppName, RunningApp, builtApp, startBuiltApp, stopApp } from '../support/processes';
import { until } from '../support/wait';

/**
 * The production shape as separate processes from the built dist on one PostgreSQL and one Kafka:
 * two applications-service replicas, grants-service, two projections-service replicas and the
 * integration gateway. A lifecycle runs through both write replicas while one replica of each kind
 * is killed with SIGKILL and started again. Then, on the quiescent database: every acknowledged
 * command is in the log exactly once, every read model equals a fresh single application of the log
 * (so no row was applied twice or skipped), the audit checkpoints form one chain, and every event
 * with a public contract reached Kafka.
 */
const SECRET = 'scale-out-test-secret-0123456789abcdef';
const APPLICATIONS = 32;
const LANES = 6;
const EXPERTS = ['e1', 'e2', 'e3'];
const DISTRICTS = ['320505', '320506', '320507', '320582'];
const APPROVED_FEN = 10_000_000;

type Kind = 'applications' | 'grants' | 'projections' | 'gateway';
interface Replica {
  readonly name: string;
  readonly kind: Kind;
  readonly app: BuiltAppName;
  readonly env: Record<string, string>;
  running: RunningApp | null;
  /** Output of earlier incarnations (before a kill). */
  log: string;
}
interface Ack {
  readonly replica: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly revision: bigint | null;
  readonly body: Record<string, unknown>;
}

function creditCode(district: string, i: number): string {
  const first17 = `91${district}MA${String(1_000_000 + i).slice(-7)}`;
  return first17 + creditCodeCheckCharacter(first17);
}

function token(claims: { role: string; sub?: string; org?: string; district?: string; city?: string }): string {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub: claims.sub ?? `${claims.role}-${claims.org ?? claims.district ?? claims.city ?? 'user'}`, ...claims, iat, exp: iat + 3600 } as never, SECRET);
}

const shanghaiToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scale-out: the production shape as separate processes', () => {
  it('loses nothing acknowledged, applies no read-model row twice and publishes every integration event, with a replica of each kind killed mid-run', async () => {
    const started = Date.now();
    const brokers = testKafkaBrokers();
    const db: TestDatabase = await createTestDatabase('scaleout');
    const dir = mkdtempSync(join(tmpdir(), 'ipstd-scale-out-'));
    const prefix = uniqueTopicPrefix('scale');
    const store = new PostgresEventStore(db.pool);
    const keyFile = join(dir, 'log-signing.key');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const replicas: Replica[] = [];
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
    try {
      const base = {
        DATABASE_URL: db.url,
        AUTH_HS256_SECRET: SECRET,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        PROJECTION_POLL_MS: '50',
        THROTTLE_IP_LIMIT: '1000000',
        THROTTLE_SUBJECT_LIMIT: '1000000',
        AUDIT_SIGNING_KEY_FILE: keyFile,
        AUDIT_CHECKPOINT_EVERY_EVENTS: '50',
        AUDIT_CHECKPOINT_EVERY_SECONDS: '2',
        SHUTDOWN_GRACE_MS: '15000',
      };
      // The migration job first, as deploy/k8s runs it: every context's schema, then exit 0.
      const migrate = await runScript(join(__dirname, '..', '..', 'dist', 'scripts', 'migrate.js'), { ...base, DATA_DIR: join(dir, 'migrate') });
      expect({ exit: migrate.code, output: migrate.code === 0 ? '' : migrate.output }).toEqual({ exit: 0, output: '' });
      mark('migrations applied');

      const add = async (name: string, kind: Kind, app: BuiltAppName, extra: Record<string, string> = {}) => {
        replicas.push({ name, kind, app, env: { ...base, ...extra, DATA_DIR: join(dir, name), PORT: String(await freePort()) }, running: null, log: '' });
      };
      await add('applications-1', 'applications', 'applications-service');
      await add('applications-2', 'applications', 'applications-service');
      await add('grants-1', 'grants', 'grants-service');
      await add('projections-1', 'projections', 'projections-service');
      await add('projections-2', 'projections', 'projections-service');
      await add('gateway-1', 'gateway', 'integration-gateway', { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '3', KAFKA_RELAY_BATCH_SIZE: '20' });
      // Replicas of a kind start together, as a Deployment's pods do.
      await Promise.all(replicas.map(async (r) => (r.running = await startBuiltApp(builtApp(r.app), r.env))));
      mark('6 processes up');

      const byName = (name: string) => replicas.find((r) => r.name === name)!;
      const ofKind = (kind: Kind) => replicas.filter((r) => r.kind === kind);
      const acks: Ack[] = [];
      const turn: Record<string, number> = {};
      /** Requests sent again to another replica (or the restarted one) because theirs did not answer. */
      let resent = 0;

      /**
       * Sends a command to the replicas of a kind in turn; a replica that does not answer (killed,
       * restarting) is skipped and the same request goes to the next with the same Idempotency-Key.
       * Every 2xx is an acknowledgement the log must keep.
       */
      const send = async (kind: Kind, method: string, path: string, bearer: string, body?: unknown): Promise<Ack> => {
        const key = randomUUID();
        const deadline = Date.now() + 90_000;
        for (let attempt = 0; ; attempt++) {
          const pool = ofKind(kind);
          const replica = pool[(turn[kind] = (turn[kind] ?? 0) + 1) % pool.length];
          const url = replica.running ? `http://127.0.0.1:${replica.env.PORT}${path}` : null;
          let outcome: { status: number; text: string; etag: string | null } | null = null;
          if (url) {
            try {
              const response = await fetch(url, {
                method,
                headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'idempotency-key': key },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(20_000),
              });
              outcome = { status: response.status, text: await response.text(), etag: response.headers.get('etag') };
            } catch {
              outcome = null; // connection refused or reset: the replica was killed
            }
          }
          if (outcome && outcome.status < 500 && outcome.status !== 429) {
            if (outcome.status >= 300) throw new Error(`${method} ${path} on ${replica.name}: ${outcome.status} ${outcome.text}`);
            const ack: Ack = { replica: replica.name, method, path, status: outcome.status, revision: outcome.etag ? BigInt(JSON.parse(outcome.etag)) : null, body: outcome.text ? JSON.parse(outcome.text) : {} };
            acks.push(ack);
            return ack;
          }
          if (Date.now() > deadline) throw new Error(`${method} ${path}: no replica of ${kind} answered (last: ${outcome ? `${outcome.status} ${outcome.text}` : 'no connection'})`);
          resent++;
          await sleep(attempt < 3 ? 50 : 250);
        }
      };

      const kill = async (name: string) => {
        const replica = byName(name);
        const running = replica.running!;
        replica.running = null;
        expect(await stopApp(running, 'SIGKILL')).toBeNull();
        replica.log += running.output();
        mark(`SIGKILL ${name}`);
      };
      const restart = async (name: string) => {
        const replica = byName(name);
        replica.running = await startBuiltApp(builtApp(replica.app), replica.env);
        mark(`restarted ${name}`);
      };

      const admin = token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
      const finance = token({ role: 'finance', city: '320500', sub: 'finance-sz' });
      // Real time runs in these processes: a window open now, under the Suzhou 2024 rule set (in force when it opens).
      const closesAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const terms = suzhouTerms({
        code: `SZ-SCALE-${randomUUID().slice(0, 8).toUpperCase()}`,
        window: { opensAt: '2024-12-01T00:00:00+08:00', closesAt },
        endorsementDeadline: closesAt,
        review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] },
      });
      const programmeId = (await send('applications', 'POST', '/v1/programmes', admin, terms)).body.programmeId as string;
      expect(programmeId).toBeTruthy();

      // The chaos: as the run reaches these points, one replica of each kind is killed and started again.
      let submitted = 0;
      let selected = 0;
      const chaos: Array<Promise<void>> = [];
      const when = (condition: () => boolean, action: () => Promise<void>) =>
        chaos.push(until(async () => condition(), Boolean, 180_000).then(action));
      when(() => submitted >= APPLICATIONS / 4, async () => {
        await Promise.all([kill('applications-1'), kill('projections-1')]);
        await sleep(300);
        await Promise.all([restart('applications-1'), restart('projections-1')]);
      });
      when(() => selected >= APPLICATIONS / 4, async () => {
        await Promise.all([kill('grants-1'), kill('gateway-1')]);
        await sleep(300);
        await Promise.all([restart('grants-1'), restart('gateway-1')]);
      });

      const applicationIds: string[] = [];
      const factsRecorded = new Set<string>();
      const system = token({ role: 'system', sub: 'credit-system' });
      const payments = new Map<string, number>();
      const lifecycle = async (i: number) => {
        const district = DISTRICTS[i % DISTRICTS.length];
        const code = creditCode(district, i);
        const applicant = token({ role: 'applicant', org: code });
        const profile = eligibleNow(suzhouProfile({ creditCode: code, district, name: `苏州扩容测试企业${i}有限公司` }), closesAt);
        const submittedAck = await send('applications', 'POST', `/v1/programmes/${programmeId}/applications`, applicant, profile);
        const id = submittedAck.body.applicationId as string;
        applicationIds.push(id);
        submitted++;
        await send('applications', 'POST', `/v1/applications/${id}/amendments`, applicant, { ...profile, project: { ...profile.project, title: `${profile.project.title}（修订）` } });
        await send('applications', 'POST', `/v1/applications/${id}/endorsement`, token({ role: 'district-office', district }), { decision: 'endorse', opinion: '同意推荐' });
        if (i % 4 === 0) {
          // Another system reports a fact about the enterprise: the re-assessor (in both write replicas) assesses the open application again, once.
          const observedAt = new Date().toISOString();
          await send('applications', 'POST', `/v1/enterprises/${code}/facts`, system, { fact: 'serious-dishonesty', present: false, source: 'credit-china', reference: `CN-SCALE-${i}`, observedAt });
          factsRecorded.add(id);
          await until(async () => (await store.readStream(`application-${id}`)).filter((e) => e.type === 'EligibilityAssessed' && (e.data as { trigger: string }).trigger === 'credit-fact').length, (n) => n > 0, 90_000);
        }
        await send('applications', 'POST', `/v1/applications/${id}/review-panel`, admin, { experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) });
        for (const expert of EXPERTS) {
          await send('applications', 'PUT', `/v1/applications/${id}/reviews/${expert}`, token({ role: 'expert', sub: expert }), { scores: [{ criterionId: 'a', score: 70 + (i % 20) }], comment: '' });
        }
        await send('applications', 'POST', `/v1/applications/${id}/review-panel/closure`, admin);
        await send('applications', 'POST', `/v1/applications/${id}/selection`, admin, { decision: 'select', approvedAmountFen: APPROVED_FEN, reason: '择优立项' });
        selected++;
        // The grant awarder (grants-service) turns the selection into a grant.
        const grantId = grantIdFor(id);
        await until(async () => (await store.readStream(`grant-${grantId}`)).length, (n) => n > 0, 90_000);
        await send('grants', 'POST', `/v1/grants/${grantId}/agreement`, admin);
        await send('grants', 'POST', `/v1/grants/${grantId}/tranches/1/release-order`, admin, { orderNo: `SZ-SCALE-${i}` });
        const first = APPROVED_FEN / 4;
        await send('grants', 'POST', `/v1/grants/${grantId}/tranches/1/payment`, finance, { reference: `TRE-S${i}-1`, valueDate: shanghaiToday(), amountFen: first });
        await send('grants', 'POST', `/v1/grants/${grantId}/tranches/1/payment`, finance, { reference: `TRE-S${i}-2`, valueDate: shanghaiToday(), amountFen: APPROVED_FEN / 2 - first });
        payments.set(grantId, APPROVED_FEN / 2);
      };
      let next = 0;
      await Promise.all(
        Array.from({ length: LANES }, async () => {
          while (next < APPLICATIONS) await lifecycle(next++);
        }),
      );
      await Promise.all(chaos);
      mark(`${acks.length} commands acknowledged, ${resent} sent again after no answer`);
      // Both write replicas took submissions, the killed one before and after its restart too.
      const submissions = acks.filter((a) => a.path.endsWith('/applications'));
      expect(new Set(submissions.map((a) => a.replica))).toEqual(new Set(['applications-1', 'applications-2']));
      expect(timeline.filter((t) => t.includes('SIGKILL')).length).toBe(4);

      // Convergence: every projection and the relay reach the head of the log.
      const head = await store.headPosition();
      const checkpoints = async () => (await db.pool.query<{ name: string; position: string }>(`select name, position from ${CHECKPOINTS_TABLE} where name = any($1)`, [ALL_PROJECTIONS.map((p) => p.name)])).rows;
      await until(checkpoints, (rows) => rows.length === ALL_PROJECTIONS.length && rows.every((r) => BigInt(r.position) >= head), 60_000);
      const relay = async () => BigInt((await db.pool.query('select position from subscription_checkpoints where name = $1', [RELAY_WORKER])).rows[0]?.position ?? 0);
      await until(relay, (p) => p >= head, 60_000);
      const tree = async () => BigInt((await db.pool.query('select last_position from audit_merkle_head')).rows[0].last_position);
      await until(tree, (p) => p >= head, 60_000);
      mark('read models, relay and Merkle tree caught up');

      // What each write replica's workers did (docs/runbook.md, "Scaling"): the workers are leased, so one replica runs them at a time.
      for (const name of ['applications-1', 'applications-2']) {
        const text = await (await fetch(`http://127.0.0.1:${byName(name).env.PORT}/metrics`)).text();
        const lines = text.split('\n').filter((l) => l.startsWith('commands_total{command="ReassessEligibility"'));
        mark(`${name} (since its last start): ${lines.map((l) => l.replace(/^commands_total\{command="ReassessEligibility",outcome="(\w+)"\} (\d+)$/, 'ReassessEligibility $1 $2')).join(', ') || 'no ReassessEligibility'}`);
      }

      // Every process stops cleanly on SIGTERM, restarted ones too.
      for (const replica of replicas) {
        const running = replica.running!;
        replica.running = null;
        const exit = await stopApp(running);
        replica.log += running.output();
        expect({ replica: replica.name, exit, output: exit === 0 ? '' : running.output() }).toEqual({ replica: replica.name, exit: 0, output: '' });
      }
      mark('all stopped');

      // From here the database is quiescent.
      const log = await readWholeLog(store);
      const streams = new Map<string, RecordedEvent[]>();
      for (const event of log) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);

      // 1. Nothing acknowledged is lost, nothing is applied twice: each acknowledged command's stream
      // reached the revision its ETag named, and each stream holds exactly the events the acks imply.
      expect(applicationIds).toHaveLength(APPLICATIONS);
      for (const ack of acks) {
        const stream = ack.path.startsWith('/v1/enterprises/')
          ? `enterprise-${ack.path.split('/')[3]}`
          : ack.path.startsWith('/v1/grants/')
          ? `grant-${ack.path.split('/')[3]}`
          : ack.path === '/v1/programmes'
            ? `programme-${ack.body.programmeId}`
            : ack.path.endsWith('/applications')
              ? `application-${ack.body.applicationId}`
              : `application-${ack.path.split('/')[3]}`;
        const events = streams.get(stream) ?? [];
        expect({ ack: `${ack.method} ${ack.path}`, stream, present: events.length > 0 }).toEqual({ ack: `${ack.method} ${ack.path}`, stream, present: true });
        if (ack.revision !== null) expect(events[events.length - 1].revision).toBeGreaterThanOrEqual(ack.revision);
      }
      const count = (events: RecordedEvent[], type: string) => events.filter((e) => e.type === type).length;
      for (const id of applicationIds) {
        const events = streams.get(`application-${id}`)!;
        const acked = (suffix: string) => acks.filter((a) => a.path === `/v1/applications/${id}${suffix}`).length;
        expect({ id, submitted: count(events, 'ApplicationSubmitted'), amended: count(events, 'ApplicationAmended'), assessed: count(events, 'EligibilityAssessed'), endorsed: count(events, 'ApplicationEndorsed'), selected: count(events, 'ApplicationSelected') }).toEqual({
          id,
          submitted: 1,
          amended: acked('/amendments'),
          // On submission, on the amendment, and once per changed fact however many re-assessors saw it.
          assessed: 1 + acked('/amendments') + (factsRecorded.has(id) ? 1 : 0),
          endorsed: acked('/endorsement'),
          selected: acked('/selection'),
        });
        if (count(events, 'EligibilityAssessed') !== 1 + acked('/amendments') + (factsRecorded.has(id) ? 1 : 0)) {
          const byId = new Map(log.map((e) => [e.eventId, e]));
          console.log(`[scale-out] assessments of ${id}:\n${events.filter((e) => e.type === 'EligibilityAssessed').map((e) => { const d = e.data as { trigger: string; facts: unknown; assessment: { outcome: string } }; const cause = byId.get(e.metadata.causationId ?? ''); return `  rev ${e.revision} pos ${e.globalPosition} trigger ${d.trigger} facts ${JSON.stringify(d.facts)} outcome ${d.assessment.outcome} actor ${e.metadata.actor.userId} cause ${cause ? `${cause.type}@${cause.globalPosition}` : e.metadata.causationId}`; }).join('\n')}`);
        }
        const grant = streams.get(`grant-${grantIdFor(id)}`) ?? [];
        expect({ id, awarded: count(grant, 'GrantAwarded') }).toEqual({ id, awarded: 1 });
      }
      // Each acknowledged payment is in its grant's stream once: the read model's paid sum is checked against the log below.
      const paymentEvents = log.filter((e) => e.streamId.startsWith('grant-') && e.type === 'TranchePaid');
      expect(paymentEvents.length).toBe(acks.filter((a) => a.path.endsWith('/payment')).length);

      // 2. Read models converge to the log, and no row was applied twice: each table equals a fresh,
      // single application of the whole log by the same writer (EXCEPT ALL also counts duplicates).
      const differences: Record<string, number> = {};
      await inTransaction(db.pool, async (client) => {
        for (const projection of ALL_PROJECTIONS) {
          const fresh = `${projection.table.name}__verify`;
          await client.query(createTableSql(projection.table, fresh));
          for (let i = 0; i < log.length; i += 500) await applyEvents(client, projection, log.slice(i, i + 500), fresh);
          const live = projection.table.name;
          const { rows } = await client.query<{ n: string }>(`select ((select count(*) from (select * from ${live} except all select * from ${fresh}) a) + (select count(*) from (select * from ${fresh} except all select * from ${live}) b)) as n`);
          differences[projection.name] = Number(rows[0].n);
          await client.query(`drop table ${fresh}`);
        }
      });
      expect(differences).toEqual(Object.fromEntries(ALL_PROJECTIONS.map((p) => [p.name, 0])));
      const grants = await db.pool.query<{ grant_id: string; paid_fen: string; revision: string }>('select grant_id, paid_fen, revision from rm_grants');
      expect(grants.rows).toHaveLength(APPLICATIONS);
      for (const row of grants.rows) {
        expect({ grant: row.grant_id, paid: Number(row.paid_fen), revision: BigInt(row.revision) }).toEqual({ grant: row.grant_id, paid: payments.get(row.grant_id), revision: streams.get(`grant-${row.grant_id}`)!.at(-1)!.revision });
      }

      // 3. Two sealers (one per projections replica) sealed every range once: one unbroken chain.
      const seals = (streams.get(CHECKPOINT_STREAM) ?? []).map((e) => checkpointDataOf(e)!);
      expect(seals.length).toBeGreaterThan(0);
      seals.forEach((seal, i) => {
        expect(seal.sequence).toBe(i + 1);
        if (i > 0) expect({ from: seal.fromPosition, previousDigest: seal.previousDigest }).toEqual({ from: seals[i - 1].toPosition, previousDigest: seals[i - 1].digest });
      });

      // The Merkle tree (advanced by both projections replicas under its head lock) holds each event once, in log order.
      const { rows: [merkle] } = await db.pool.query<{ tree_size: string; last_position: string }>('select tree_size, last_position from audit_merkle_head');
      const leaves = await db.pool.query<{ leaf_index: string; global_position: string; event_id: string }>('select leaf_index, global_position, event_id from audit_merkle_leaves order by leaf_index');
      const covered = log.filter((e) => e.globalPosition <= BigInt(merkle.last_position));
      expect(Number(merkle.tree_size)).toBe(covered.length);
      expect(leaves.rows.map((l) => [Number(l.leaf_index), l.event_id])).toEqual(covered.map((e, i) => [i, e.eventId]));

      // 4. Every event with a public contract reached Kafka (at least once), and nothing else did.
      const expected = log.filter((e) => contractForDomainType(e.type)).map((e) => e.eventId);
      const topics = Object.values(topicsFor(prefix).outbound);
      const messages = await consumeAll(brokers, topics, { until: (m) => new Set(m.map((x) => x.headers.ce_id)).size >= expected.length, timeoutMs: 60_000 });
      const received = new Set(messages.map((m) => m.headers.ce_id));
      expect(expected.filter((id) => !received.has(id))).toEqual([]);
      const inLog = new Set(log.map((e) => e.eventId));
      expect([...received].filter((id) => !inLog.has(id))).toEqual([]);
      mark(`verified: ${log.length} events, ${expected.length} integration events (${messages.length - received.size} delivered twice)`);
      console.log(`[scale-out] ${timeline.join('; ')}`);
    } catch (error) {
      for (const replica of replicas) if (replica.running) replica.log += replica.running.output();
      console.log(`[scale-out] ${timeline.join('; ')}\n${replicas.map((r) => `--- ${r.name}\n${r.log.slice(-4000)}`).join('\n')}`);
      throw error;
    } finally {
      await Promise.all(replicas.map((r) => (r.running ? stopApp(r.running, 'SIGKILL') : undefined)));
      await store.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

/** The fixture's profile moved to this call: eligibility counts years and standards back from the deadline. */
function eligibleNow(profile: ApplicationProfile, closesAt: string): ApplicationProfile {
  const year = Number(closesAt.slice(0, 4));
  const shift = (date: string) => `${Number(date.slice(0, 4)) + year - 2024}${date.slice(4)}`;
  return {
    ...profile,
    finance: { ...profile.finance, years: profile.finance.years.map((y) => ({ ...y, year: y.year + year - 2024 })) },
    standards: { ...profile.standards, participations: profile.standards.participations.map((p) => ({ ...p, publishedOn: shift(p.publishedOn) })) },
  };
}

async function readWholeLog(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const log: RecordedEvent[] = [];
  for (let after = 0n; ; ) {
    const batch = await store.readAll({ after, maxCount: 1000 });
    if (batch.length === 0) return log;
    log.push(...batch);
    after = batch[batch.length - 1].globalPosition;
  }
}

function runScript(main: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
