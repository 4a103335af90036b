import { createPublicKey, verify as edVerify } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CheckpointPublisher, LogSealer, LogSigner, MerkleLog, SIGNED_CHECKPOINT_STREAM } from '@ipstd/audit';
import { INTEGRATION_CONTRACTS, IntegrationGateway, topicsFor } from '@ipstd/messaging';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { consumeAll, testKafkaBrokers, uniqueTopicPrefix } from '../support/kafka';

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));

/** The Ed25519 signature line of `vkey` on a note, checked with node:crypto alone. */
function signedBy(note: string, vkey: string): boolean {
  const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey)!;
  const at = note.indexOf('\n\n');
  const line = note.slice(at + 2).split('\n').map((l) => /^— (\S+) (\S+)$/u.exec(l)).find((m) => m && m[1] === name && Buffer.from(m[2], 'base64').subarray(0, 4).toString('hex') === id);
  if (!line) return false;
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key, 'base64').subarray(1)]);
  return edVerify(null, Buffer.from(note.slice(0, at + 1)), createPublicKey({ key: spki, format: 'der', type: 'spki' }), Buffer.from(line[2], 'base64').subarray(4));
}

describe('signed checkpoints published as integration events (Kafka and GET /v1/events)', () => {
  let t: TestApp;
  let prefix: string;
  let vkey: string;
  const admin = () => t.token({ role: 'programme-admin', city: '320500' });
  const publisher = () => t.app.get(CheckpointPublisher);
  const open = (code: string) => t.http.post('/v1/programmes').set(bearer(admin())).send(suzhouTerms({ code })).expect(201);

  beforeAll(async () => {
    prefix = uniqueTopicPrefix('ckpt');
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { KAFKA_BROKERS: testKafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_CONSUMER_GROUP: `${prefix}-gateway` } });
    await t.app.get(IntegrationGateway).ready();
    vkey = (await t.http.get('/v1/audit/keys').set(bearer(t.token({ role: 'auditor' }))).expect(200)).body.keys[0].verifierKey;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('publishes only when the log grew beyond the last published checkpoint by more than checkpoint events: never feeds itself', async () => {
    // The log starts with the seeded rule sets: the first tick publishes them; the test starts from there.
    await publisher().publishNow();
    await open('SZ-CKPT-1');
    const first = (await publisher().publishNow())!;
    expect(first).not.toBeNull();
    const head = await t.runtime.store.headPosition();
    expect(first.data.lastPosition).toBe(Number(head) - 1); // the tree before its own event
    expect(first.event.globalPosition).toBe(head);
    expect(signedBy(first.data.note, vkey)).toBe(true);
    expect(first.data.note.split('\n').slice(0, 3)).toEqual([first.data.origin, String(first.data.treeSize), first.data.rootHash]);

    // Its own event, and the digest seal of it, are not activity: nothing more is published, however often the timer fires.
    expect(await publisher().publishNow()).toBeNull();
    expect(await t.app.get(LogSealer).sealNow()).toHaveLength(1);
    expect(await publisher().publishNow()).toBeNull();
    expect(await publisher().publishNow()).toBeNull();
    expect((await t.runtime.store.readStream(SIGNED_CHECKPOINT_STREAM)).map((e) => e.eventId).pop()).toBe(first.event.eventId);

    // New activity: the next checkpoint covers it and every checkpoint event before it.
    await open('SZ-CKPT-2');
    const second = (await publisher().publishNow())!;
    expect(second.data.treeSize).toBe(Number(await t.runtime.store.headPosition()) - 1);
    expect(second.data.treeSize).toBeGreaterThan(first.data.treeSize + 2);
    const proof = await t.http.get(`/v1/audit/proofs/consistency?from=${first.data.treeSize}&to=${second.data.treeSize}`).set(bearer(t.token({ role: 'auditor' }))).expect(200);
    expect(proof.body.proof.length).toBeGreaterThan(0);
  });

  it('two processes publishing at once publish one checkpoint', async () => {
    await open('SZ-CKPT-3');
    const before = (await t.runtime.store.readStream(SIGNED_CHECKPOINT_STREAM)).length;
    const results = await Promise.all([publisher().publishNow(), new CheckpointPublisher(t.runtime.store, t.app.get(MerkleLog), t.app.get(LogSigner), t.clock, t.runtime.ids).publishNow()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await t.runtime.store.readStream(SIGNED_CHECKPOINT_STREAM)).toHaveLength(before + 1);
  });

  it('serves them on GET /v1/events (context audit) to any auditor, city or not, valid against the contract schema', async () => {
    const contract = INTEGRATION_CONTRACTS.find((c) => c.type === 'cn.ipstd.audit.checkpoint-published.v1')!;
    const validate = ajv.compile(contract.schema);
    const count = (await t.runtime.store.readStream(SIGNED_CHECKPOINT_STREAM)).length;
    expect(count).toBeGreaterThanOrEqual(3);
    for (const token of [t.token({ role: 'auditor', city: '320500' }), t.token({ role: 'auditor', city: '110100' }), t.token({ role: 'system' })]) {
      const page = (await t.http.get('/v1/events?context=audit').set(bearer(token)).expect(200)).body as { events: Array<{ type: string; source: string; data: { note: string; treeSize: number } }> };
      expect(page.events).toHaveLength(count);
      for (const event of page.events) {
        expect(event.type).toBe(contract.type);
        expect(event.source).toBe('/ipstd/audit');
        expect(validate(event.data)).toBe(true);
        expect(signedBy(event.data.note, vkey)).toBe(true);
      }
    }
    // A city auditor of another city sees the checkpoints but none of Suzhou's programmes.
    const other = (await t.http.get('/v1/events').set(bearer(t.token({ role: 'auditor', city: '110100' }))).expect(200)).body as { events: Array<{ type: string }> };
    expect(other.events.map((e) => e.type)).toEqual(Array(count).fill(contract.type));
  });

  it('publishes them on the <prefix>.audit Kafka topic', async () => {
    const stored = await t.runtime.store.readStream(SIGNED_CHECKPOINT_STREAM);
    const messages = await consumeAll(testKafkaBrokers(), [topicsFor(prefix).outbound.audit], { until: (m) => m.length >= stored.length, timeoutMs: 30_000 });
    expect(messages.map((m) => m.headers.ce_id)).toEqual(stored.map((e) => e.eventId));
    for (const message of messages) {
      expect(message.headers.ce_type).toBe('cn.ipstd.audit.checkpoint-published.v1');
      expect(signedBy(JSON.parse(message.value).note, vkey)).toBe(true);
    }
  });
});
