import { spawnSync } from 'node:child_process';
import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogSigningKeyPath } from '@ipstd/audit';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, asText, bearer, startTestApp } from '../support/app';

const ROOT = join(__dirname, '../..');
const VERIFY_CLI = join(ROOT, 'dist/scripts/verify.js');
const EVIDENCE_CLI = join(ROOT, 'scripts/verify-evidence.mjs');

// An independent C2SP tlog-cosignature (Ed25519, cosignature/v1) witness and checker: node:crypto only, not the service's code.
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const rawPublic = (key: KeyObject) => (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' }).subarray(12);
const witnessKeyId = (name: string, pub: Buffer) => sha256(Buffer.from(`${name}\n`), Buffer.from([0x04]), pub).subarray(0, 4);
const witnessVkey = (name: string, key: KeyObject) => `${name}+${witnessKeyId(name, rawPublic(key)).toString('hex')}+${Buffer.concat([Buffer.from([0x04]), rawPublic(key)]).toString('base64')}`;
const bodyOf = (note: string) => note.slice(0, note.indexOf('\n\n') + 1);
function cosign(body: string, name: string, key: KeyObject, timestamp: number): string {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signature = sign(null, Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`), key);
  return `— ${name} ${Buffer.concat([witnessKeyId(name, rawPublic(key)), time, signature]).toString('base64')}`;
}
/** The cosignature line of `name` in a note, verified with the witness's public key alone; returns its timestamp. */
function cosignedBy(note: string, name: string, publicKey: KeyObject): number | null {
  const body = bodyOf(note);
  for (const line of note.slice(body.length + 1).split('\n').filter(Boolean)) {
    const [, who, b64] = /^— (\S+) (\S+)$/u.exec(line)!;
    const sig = Buffer.from(b64, 'base64');
    if (who !== name || sig.length !== 76 || !sig.subarray(0, 4).equals(witnessKeyId(name, rawPublic(publicKey)))) continue;
    const timestamp = sig.readBigUInt64BE(4);
    if (verify(null, Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`), publicKey, sig.subarray(12))) return Number(timestamp);
  }
  return null;
}
/** Signs a note body with an Ed25519 key under `name`, as the log does (C2SP signed note). */
function logSign(body: string, name: string, key: KeyObject): string {
  const id = sha256(Buffer.from(`${name}\n`), Buffer.from([0x01]), rawPublic(key)).subarray(0, 4);
  return `${body}\n— ${name} ${Buffer.concat([id, sign(null, Buffer.from(body), key)]).toString('base64')}\n`;
}

describe('witness cosignatures (C2SP tlog-cosignature) on the signed checkpoints', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-witness-'));
  const W1 = 'witness.sz-audit.example/w1';
  const w1 = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('ed25519');
  const witness = () => t.token({ role: 'witness', sub: W1 });
  const auditor = () => t.token({ role: 'auditor' });
  const now = () => Math.floor(t.clock.now().getTime() / 1000);
  const save = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const run = (cli: string, args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const submit = (checkpoint: string, cosignature: string, token = witness()) => t.http.post('/v1/audit/checkpoint/cosignatures').set(bearer(token)).send({ checkpoint, cosignature });
  const stored = async () => Number((await t.db.pool.query('select count(*) as n from audit_witness_cosignatures')).rows[0].n);
  let note: string;
  let vkey: string;

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { AUDIT_WITNESS_KEYS: witnessVkey(W1, w1.publicKey) } });
    await t.http.post('/v1/programmes').set(bearer(t.token({ role: 'programme-admin', city: '320500' }))).send(suzhouTerms()).expect(201);
    note = (await t.http.get('/v1/audit/checkpoint').set(bearer(witness())).expect(200)).text;
    vkey = (await t.http.get('/v1/audit/keys').set(bearer(witness())).expect(200)).body.keys[0].verifierKey;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the configured witness keys', async () => {
    const body = (await t.http.get('/v1/audit/keys').set(bearer(auditor())).expect(200)).body;
    expect(body.witnesses).toEqual([{ verifierKey: witnessVkey(W1, w1.publicKey), algorithm: 'ed25519-cosignature/v1' }]);
  });

  it('accepts a cosignature by a configured witness; it then appears as an extra signature line of that checkpoint', async () => {
    const line = cosign(bodyOf(note), W1, w1.privateKey, now());
    const response = await submit(note, line).expect(201);
    expect(response.body).toMatchObject({ witness: W1, treeSize: Number(note.split('\n')[1]), timestamp: now() });
    expect(response.body.note).toBe(`${note}${line}\n`);
    const served = (await t.http.get('/v1/audit/checkpoint').set(bearer(auditor())).expect(200)).text;
    expect(served).toBe(`${note}${line}\n`);
    expect(cosignedBy(served, W1, w1.publicKey)).toBe(now());
    // An earlier tree size is served with the cosignatures of exactly that tree (none here).
    const size = Number(note.split('\n')[1]);
    const earlier = (await t.http.get(`/v1/audit/checkpoint?treeSize=${size - 1}`).set(bearer(auditor())).expect(200)).text;
    expect(earlier.split('\n')[1]).toBe(String(size - 1));
    expect(cosignedBy(earlier, W1, w1.publicKey)).toBeNull();
    expect((await t.http.get(`/v1/audit/checkpoint?treeSize=${size}`).set(bearer(auditor())).expect(200)).text).toBe(served);
    // Idempotent: the same cosignature again is kept once.
    await submit(note, line).expect(201);
    expect(await stored()).toBe(1);
  });

  it('refuses, with a bilingual problem and nothing stored, what is not a valid cosignature of a checkpoint this log signed', async () => {
    const body = bodyOf(note);
    const size = Number(note.split('\n')[1]);
    const logKey = createPrivateKey(readFileSync(defaultLogSigningKeyPath(t.config.dataDir)));
    const forgedRoot = logSign(`${note.split('\n')[0]}\n${size}\n${Buffer.alloc(32, 7).toString('base64')}\n`, note.split('\n')[0], logKey);
    const cases: Array<[string, string, string, number, string]> = [
      ['an unknown witness key', note, cosign(body, 'witness.elsewhere/w9', stranger.privateKey, now()), 403, 'WITNESS_KEY_UNKNOWN'],
      ['the configured name with another key', note, cosign(body, W1, stranger.privateKey, now()), 403, 'WITNESS_KEY_UNKNOWN'],
      ['a signature over another body', note, cosign(body.replace(`\n${size}\n`, `\n${size - 1}\n`), W1, w1.privateKey, now()), 400, 'COSIGNATURE_INVALID'],
      ['a line that is not a signature line', note, 'cosigned!', 400, 'COSIGNATURE_INVALID'],
      ['a timestamp in the future', note, cosign(body, W1, w1.privateKey, now() + 3600), 400, 'COSIGNATURE_TIME_INVALID'],
      ['a checkpoint without the log signature', body, cosign(body, W1, w1.privateKey, now()), 400, 'CHECKPOINT_INVALID'],
      ['a checkpoint signed by another key', logSign(body, note.split('\n')[0], stranger.privateKey), cosign(body, W1, w1.privateKey, now()), 400, 'CHECKPOINT_INVALID'],
      ['a tree this log does not hold (signed with the stolen log key)', forgedRoot, cosign(bodyOf(forgedRoot), W1, w1.privateKey, now()), 409, 'CHECKPOINT_NOT_IN_LOG'],
      ['a tree larger than the log', logSign(`${note.split('\n')[0]}\n${size + 5}\n${note.split('\n')[2]}\n`, note.split('\n')[0], logKey), cosign(body, W1, w1.privateKey, now()), 409, 'CHECKPOINT_NOT_IN_LOG'],
    ];
    for (const [what, checkpoint, line, status, code] of cases) {
      const response = await submit(checkpoint, line);
      expect({ what, status: response.status, code: response.body.code }).toEqual({ what, status, code });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.detailZh).toMatch(/[\u4e00-\u9fff]/);
      expect(response.body.detailEn).toMatch(/[a-z]/);
    }
    await submit(note, cosign(body, W1, w1.privateKey, now()), auditor()).expect(403);
    await t.http.post('/v1/audit/checkpoint/cosignatures').set(bearer(witness())).send({ checkpoint: note }).expect(400);
    expect(await stored()).toBe(1);
  });

  it('npm run verify and the standalone evidence script report the witness line and verify it with the witness key', async () => {
    const served = (await t.http.get('/v1/audit/checkpoint').set(bearer(auditor())).expect(200)).text;
    const exportFile = save('full.ndjson', (await t.http.get('/v1/audit/export').set(bearer(auditor())).buffer(true).parse(asText).expect(200)).body);
    const noteFile = save('checkpoint.txt', served);
    const wkey = witnessVkey(W1, w1.publicKey);
    const otherKey = witnessVkey('witness.elsewhere/w9', stranger.publicKey);

    const reported = run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile, '--key', vkey]);
    expect(reported.status).toBe(0);
    expect(reported.stdout).toContain(`witness lines not verified (no --witness-key given for them): ${W1}`);
    const verified = run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile, '--key', vkey, '--witness-key', wkey]);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain(`WITNESS COSIGNATURE VERIFIED: ${W1} cosigned this checkpoint at ${t.clock.now().toISOString().slice(0, 19)}`);
    const json = JSON.parse(run(VERIFY_CLI, [exportFile, '--json', '--checkpoint', noteFile, '--key', vkey, '--witness-key', wkey]).stdout);
    expect(json.signedCheckpoint.witnesses).toEqual({ verified: [{ name: W1, timestamp: now(), time: expect.any(String) }], failed: [], missing: [], unverified: [] });
    const missing = run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile, '--key', vkey, '--witness-key', otherKey]);
    expect([missing.status, missing.stdout]).toEqual([1, expect.stringContaining('WITNESS COSIGNATURE MISSING: the note carries no cosignature by witness.elsewhere/w9')]);
    // A cosignature line altered after the fact fails with the witness key.
    const tampered = served.replace(/(— witness\.sz-audit\.example\/w1 \S{20})(\S)/u, (_, a: string, c: string) => `${a}${c === 'A' ? 'B' : 'A'}`);
    expect(run(VERIFY_CLI, [exportFile, '--checkpoint', save('tampered.txt', tampered), '--key', vkey, '--witness-key', wkey]).status).toBe(1);

    const [row] = (await t.db.pool.query<{ event_id: string }>('select event_id from es_events order by global_position desc limit 1')).rows;
    const bundle = (await t.http.get(`/v1/audit/evidence/${row.event_id}`).set(bearer(auditor())).expect(200)).body;
    expect(bundle.checkpoint).toBe(served);
    const file = save('evidence.json', JSON.stringify(bundle));
    const ok = run(EVIDENCE_CLI, [file, vkey, '--witness-key', wkey]);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toContain(`Witness ${W1} cosigned it at`);
    const plain = run(EVIDENCE_CLI, [file, vkey]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain(`Other signature lines, not verified (no key given): ${W1}`);
    const wrong = run(EVIDENCE_CLI, [file, vkey, '--witness-key', otherKey]);
    expect([wrong.status, wrong.stdout]).toEqual([1, expect.stringContaining('FAILED: the checkpoint carries no cosignature by the witness witness.elsewhere/w9')]);
    const bad = run(EVIDENCE_CLI, [save('bad.json', JSON.stringify({ ...bundle, checkpoint: tampered })), vkey, '--witness-key', wkey]);
    expect(bad.status).toBe(1);
  });
});
