import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ipstd/platform';
import { LogSigner, defaultLogSigningKeyPath, defaultSm2SigningKeyPath, loadLogSigningKey, loadSm2SigningKey, sm2KeyPathOf } from '../src/merkle/log-signer';
import { openCheckpoint, parseVerifierKey } from '../src/verify';

describe('log signing key and signer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-log-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the embedded default key once (mode 0600) and reuses it', () => {
    const path = defaultLogSigningKeyPath(dir);
    const first = loadLogSigningKey(path, true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const pem = readFileSync(path, 'utf8');
    const again = loadLogSigningKey(path, true);
    expect(readFileSync(path, 'utf8')).toBe(pem);
    expect(new LogSigner('a/b', again).verifierKey).toBe(new LogSigner('a/b', first).verifierKey);
  });

  it('refuses a missing production key file, a non-Ed25519 key and a bad origin', () => {
    expect(() => loadLogSigningKey(join(dir, 'missing.pem'), false)).toThrow(/cannot be read/);
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => loadLogSigningKey(rsa, false)).toThrow(/Ed25519/);
    const key = loadLogSigningKey(defaultLogSigningKeyPath(dir), true);
    expect(() => new LogSigner('has space', key)).toThrow(/AUDIT_LOG_ORIGIN/);
    expect(() => loadConfig({ AUDIT_LOG_ORIGIN: 'a+b' })).toThrow(/AUDIT_LOG_ORIGIN/);
    expect(() => loadConfig({ AUDIT_RETIRED_VERIFIER_KEYS: 'nonsense' })).toThrow(/AUDIT_RETIRED_VERIFIER_KEYS/);
  });

  it('signs checkpoints that open with its verifier key; retired keys stay listed', () => {
    const key = loadLogSigningKey(defaultLogSigningKeyPath(dir), true);
    const old = new LogSigner('audit.example/ipstd', loadLogSigningKey(join(dir, 'old.key'), true));
    const signer = new LogSigner('audit.example/ipstd', key, [old.verifierKey]);
    const note = signer.checkpoint(7n, Buffer.alloc(32, 1));
    expect(openCheckpoint(note, [parseVerifierKey(signer.verifierKey)])).toMatchObject({ origin: 'audit.example/ipstd', size: 7n });
    expect(() => openCheckpoint(note, [parseVerifierKey(old.verifierKey)])).toThrow();
    expect(signer.retiredKeys).toEqual([old.verifierKey]);
    expect(loadConfig({ AUDIT_RETIRED_VERIFIER_KEYS: ` ${old.verifierKey} ,` }).audit.retiredVerifierKeys).toEqual([old.verifierKey]);
  });

  it('uses an SM2 key only when one is configured or put in DATA_DIR/audit (never generated), and signs with it as a second line', () => {
    const data = mkdtempSync(join(tmpdir(), 'ipstd-sm2-default-'));
    try {
      expect(sm2KeyPathOf(null, data)).toBeNull();
      expect(sm2KeyPathOf('/run/secrets/sm2.key', data)).toBe('/run/secrets/sm2.key');
      const path = defaultSm2SigningKeyPath(data);
      loadLogSigningKey(defaultLogSigningKeyPath(data), true);
      writeFileSync(path, generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
      expect(sm2KeyPathOf(null, data)).toBe(path);
      const signer = new LogSigner('a/b', loadLogSigningKey(defaultLogSigningKeyPath(data), false), [], loadSm2SigningKey(path));
      const note = signer.checkpoint(3n, Buffer.alloc(32, 1));
      expect(note.split('\n').filter((l) => l.startsWith('— ')).map((l) => l.split(' ')[1])).toEqual(['a/b', 'a/b/sm2']);
      expect(signer.checkpoint(3n, Buffer.alloc(32, 1))).toBe(note);
      expect(openCheckpoint(note, [parseVerifierKey(signer.verifierKey)]).otherSignatures).toBe(1);
      // A retired SM2 verifier key is accepted in AUDIT_RETIRED_VERIFIER_KEYS and not taken for an Ed25519 key.
      const rotated = new LogSigner('a/b', loadLogSigningKey(defaultLogSigningKeyPath(data), false), [signer.sm2VerifierKey!]);
      expect(rotated.ed25519Keys).toEqual([signer.verifierKey]);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
