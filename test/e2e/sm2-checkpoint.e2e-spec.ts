import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The independent SM2 implementation that checks the service's signatures (a test-only dependency).
import { sm2 as smCrypto } from 'sm-crypto';
import { CheckpointPublisher, loadSm2SigningKey } from '@ipstd/audit';
import { StartupError } from '@ipstd/platform';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, asText, bearer, startTestApp } from '../support/app';

const VERIFY_CLI = join(__dirname, '../../dist/scripts/verify.js');

describe('optional SM2/SM3 second signature on the checkpoint note (密评)', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-sm2-'));
  const keyFile = join(dir, 'sm2.pem');
  const auditor = () => t.token({ role: 'auditor' });
  const save = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const run = (args: string[]) => spawnSync(process.execPath, [VERIFY_CLI, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    // An SM2 key as OpenSSL makes it (openssl genpkey -algorithm SM2): PKCS#8 PEM, curve SM2.
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { AUDIT_SM2_KEY_FILE: keyFile } });
    await t.http.post('/v1/programmes').set(bearer(t.token({ role: 'programme-admin', city: '320500' }))).send(suzhouTerms()).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs the checkpoint twice, Ed25519 by the origin and SM2/SM3 by <origin>/sm2; each verifies with its public key alone', async () => {
    const keys = (await t.http.get('/v1/audit/keys').set(bearer(auditor())).expect(200)).body as { keys: Array<{ verifierKey: string; algorithm: string; status: string }> };
    expect(keys.keys.map((k) => [k.algorithm, k.status])).toEqual([['ed25519', 'current'], ['sm2-sm3', 'current']]);
    const [ed, sm] = keys.keys.map((k) => k.verifierKey);
    const note = (await t.http.get('/v1/audit/checkpoint').set(bearer(auditor())).expect(200)).text;
    expect((await t.http.get('/v1/audit/checkpoint').set(bearer(auditor())).expect(200)).text).toBe(note);
    const text = note.slice(0, note.indexOf('\n\n') + 1);
    const lines = note.slice(text.length + 1).trimEnd().split('\n').map((l) => /^— (\S+) (\S+)$/u.exec(l)!);
    expect(lines.map((l) => l[1])).toEqual(['ipstd-funding/audit-log', 'ipstd-funding/audit-log/sm2']);

    const edKey = Buffer.from(ed.split('+').slice(2).join('+'), 'base64').subarray(1);
    const edSig = Buffer.from(lines[0][2], 'base64');
    expect(verify(null, Buffer.from(text), createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), edKey]), format: 'der', type: 'spki' }), edSig.subarray(4))).toBe(true);

    // The SM2 verifier key: name+keyid+base64(0xff ‖ "sm2-sm3@ipstd/v1" ‖ 04‖x‖y); the line: keyid ‖ r ‖ s.
    const [name, keyId, b64] = [sm.split('+')[0], sm.split('+')[1], sm.split('+').slice(2).join('+')];
    expect(name).toBe('ipstd-funding/audit-log/sm2');
    const typed = Buffer.from(b64, 'base64');
    expect(typed.subarray(0, 17).toString('latin1')).toBe('\xffsm2-sm3@ipstd/v1');
    const publicHex = typed.subarray(17).toString('hex');
    const smSig = Buffer.from(lines[1][2], 'base64');
    expect(smSig.subarray(0, 4).toString('hex')).toBe(keyId);
    expect(smSig.length).toBe(68);
    expect(smCrypto.doVerifySignature(text, smSig.subarray(4).toString('hex'), publicHex, { hash: true })).toBe(true);
    expect(smCrypto.doVerifySignature(text.replace(/\n\d+\n/, '\n1\n'), smSig.subarray(4).toString('hex'), publicHex, { hash: true })).toBe(false);
  });

  it('publishes the checkpoint with both lines', async () => {
    const published = (await t.app.get(CheckpointPublisher).publishNow())!;
    expect(published.data.note.split('\n').filter((l) => l.startsWith('— ')).map((l) => l.split(' ')[1])).toEqual(['ipstd-funding/audit-log', 'ipstd-funding/audit-log/sm2']);
  });

  it('npm run verify checks the SM2 line when given the SM2 verifier key', async () => {
    const keys = (await t.http.get('/v1/audit/keys').set(bearer(auditor())).expect(200)).body.keys as Array<{ verifierKey: string }>;
    const [ed, sm] = keys.map((k) => k.verifierKey);
    const note = (await t.http.get('/v1/audit/checkpoint').set(bearer(auditor())).expect(200)).text;
    const exportFile = save('full.ndjson', (await t.http.get('/v1/audit/export').set(bearer(auditor())).buffer(true).parse(asText).expect(200)).body);
    const noteFile = save('note.txt', note);
    const plain = run([exportFile, '--checkpoint', noteFile, '--key', ed]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('an SM2/SM3 signature line is present, not verified (give --sm2-key)');
    const checked = run([exportFile, '--checkpoint', noteFile, '--key', ed, '--sm2-key', save('sm2.vkey', sm)]);
    expect([checked.status, checked.stderr]).toEqual([0, '']);
    expect(checked.stdout).toContain(`SM2 SIGNATURE VERIFIED: the SM2/SM3 line by ${sm}`);
    // The SM2 line altered (its s), or missing: exit 1.
    const line = note.split('\n').find((l) => l.startsWith('— ipstd-funding/audit-log/sm2 '))!;
    const sig = Buffer.from(line.split(' ')[2], 'base64');
    sig[67] ^= 1;
    const altered = note.replace(line, `— ipstd-funding/audit-log/sm2 ${sig.toString('base64')}`);
    const bad = run([exportFile, '--checkpoint', save('altered.txt', altered), '--key', ed, '--sm2-key', sm]);
    expect([bad.status, bad.stdout]).toEqual([1, expect.stringContaining('SM2 SIGNATURE INVALID')]);
    const without = run([exportFile, '--checkpoint', save('without.txt', note.replace(`${line}\n`, '')), '--key', ed, '--sm2-key', sm]);
    expect([without.status, without.stdout]).toEqual([1, expect.stringContaining('no SM2 signature')]);
    expect(run([exportFile, '--checkpoint', noteFile, '--key', ed, '--sm2-key', 'not-a-key']).status).toBe(2);
  });

  it('refuses at start an SM2 key file that is not an SM2 key', () => {
    const p256 = save('p256.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    expect(() => loadSm2SigningKey(p256)).toThrow(StartupError);
    expect(() => loadSm2SigningKey(join(dir, 'missing.pem'))).toThrow(/AUDIT_SM2_KEY_FILE/);
  });
});
