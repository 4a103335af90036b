import { KeyObject, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StartupError } from '@ipstd/platform';
import { checkpointText, isValidKeyName, parseVerifierKey, rawEd25519PublicKey, signNote, verifierKeyOf } from '../verify/signed-note';
import { isSm2VerifierKey, parseSm2VerifierKey, sm2KeyNameOf, sm2PrivateScalar, sm2PublicKeyOf, sm2SignatureLine, sm2VerifierKeyOf } from '../verify/sm2';

/** Where the embedded default keeps the log's Ed25519 signing key (outside the database). */
export function defaultLogSigningKeyPath(dataDir: string): string {
  return join(dataDir, 'audit', 'log-signing.key');
}

/**
 * Reads the PKCS#8 PEM Ed25519 key at `path`. With `create`, a missing file is generated first
 * (mode 0600, never overwritten); without it a missing or unreadable file is an error.
 */
export function loadLogSigningKey(path: string, create: boolean): KeyObject {
  if (create && !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new StartupError(
      `the audit log signing key ${path} cannot be read as a PEM private key (${(error as Error).message}); set AUDIT_SIGNING_KEY_FILE to a readable Ed25519 key (openssl genpkey -algorithm ed25519), or unset it to use DATA_DIR/audit/log-signing.key`,
      2,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new StartupError(`the audit log signing key ${path} is a ${key.asymmetricKeyType} key; an Ed25519 key is needed (openssl genpkey -algorithm ed25519)`, 2);
  return key;
}

/** Where the embedded default looks for the optional SM2 key (never generated: SM2 is off unless a key is put there or AUDIT_SM2_KEY_FILE is set). */
export function defaultSm2SigningKeyPath(dataDir: string): string {
  return join(dataDir, 'audit', 'log-signing-sm2.key');
}

/** Which SM2 key file to use: AUDIT_SM2_KEY_FILE, else DATA_DIR/audit/log-signing-sm2.key when it exists, else none (SM2 off). */
export function sm2KeyPathOf(configured: string | null, dataDir: string): string | null {
  if (configured) return configured;
  const fallback = defaultSm2SigningKeyPath(dataDir);
  return existsSync(fallback) ? fallback : null;
}

/** The SM2 private scalar in `path` (PEM/DER on the SM2 curve, or 64 hex digits); a StartupError when it cannot be used. */
export function loadSm2SigningKey(path: string): bigint {
  try {
    return sm2PrivateScalar(readFileSync(path));
  } catch (error) {
    throw new StartupError(
      `the SM2 signing key ${path} cannot be used (${(error as Error).message}); give an EC private key on the SM2 curve (openssl genpkey -algorithm SM2) or 64 hex digits, or unset AUDIT_SM2_KEY_FILE (docs/audit.md §8.10)`,
      2,
    );
  }
}

/** The verifier key's algorithm: SM2 keys start with 0xff ‖ "sm2-sm3@ipstd/v1", Ed25519 ones with 0x01. */
export const algorithmOf = (verifierKey: string) => (isSm2VerifierKey(verifierKey) ? 'sm2-sm3' : 'ed25519');

/** Signs checkpoints of the log under its origin; lists the verifier keys auditors check them with. */
export class LogSigner {
  readonly verifierKey: string;
  /** The SM2 key's verifier key, when an SM2 key is configured. */
  readonly sm2VerifierKey: string | null;
  private readonly sm2: { name: string; d: bigint; publicKey: Buffer } | null;
  /** SM2 signatures are randomised: the note of a tree is signed once and kept, so it reads the same every time. */
  private readonly notes = new Map<string, string>();

  constructor(
    readonly origin: string,
    private readonly key: KeyObject,
    /** Verifier keys of earlier signing keys (after a rotation), published so older checkpoints stay checkable. */
    readonly retiredKeys: readonly string[] = [],
    /** The SM2 private scalar for the second signature line (密评); null: Ed25519 only. */
    sm2Key: bigint | null = null,
  ) {
    if (!isValidKeyName(origin)) throw new Error(`AUDIT_LOG_ORIGIN ${JSON.stringify(origin)} may not be empty or hold spaces or '+'`);
    this.verifierKey = verifierKeyOf(origin, rawEd25519PublicKey(key));
    for (const k of retiredKeys) (isSm2VerifierKey(k) ? parseSm2VerifierKey : parseVerifierKey)(k);
    this.sm2 = sm2Key === null ? null : { name: sm2KeyNameOf(origin), d: sm2Key, publicKey: sm2PublicKeyOf(sm2Key) };
    this.sm2VerifierKey = this.sm2 ? sm2VerifierKeyOf(this.sm2.name, this.sm2.publicKey) : null;
  }

  /** The Ed25519 verifier keys (current and retired), which a checkpoint's origin signature must verify with. */
  get ed25519Keys(): string[] {
    return [this.verifierKey, ...this.retiredKeys.filter((k) => !isSm2VerifierKey(k))];
  }

  /**
   * The signed note of the C2SP checkpoint (origin, size, base64 root): the Ed25519 line (deterministic:
   * same tree, same line), then the SM2 line when configured.
   */
  checkpoint(size: bigint, root: Buffer): string {
    const text = checkpointText({ origin: this.origin, size, root });
    const note = signNote(text, this.origin, this.key);
    if (!this.sm2) return note;
    const cacheKey = `${size}:${root.toString('base64')}`;
    const cached = this.notes.get(cacheKey);
    if (cached) return cached;
    const signed = `${note}${sm2SignatureLine(text, this.sm2.name, this.sm2.d, this.sm2.publicKey)}\n`;
    if (this.notes.size >= 64) this.notes.delete(this.notes.keys().next().value as string);
    this.notes.set(cacheKey, signed);
    return signed;
  }
}
