import { KeyObject, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StartupError } from '@ipstd/platform';
import { checkpointText, isValidKeyName, parseVerifierKey, rawEd25519PublicKey, signNote, verifierKeyOf } from '../verify/signed-note';

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

/** Signs checkpoints of the log under its origin; lists the verifier keys auditors check them with. */
export class LogSigner {
  readonly verifierKey: string;

  constructor(
    readonly origin: string,
    private readonly key: KeyObject,
    /** Verifier keys of earlier signing keys (after a rotation), published so older checkpoints stay checkable. */
    readonly retiredKeys: readonly string[] = [],
  ) {
    if (!isValidKeyName(origin)) throw new Error(`AUDIT_LOG_ORIGIN ${JSON.stringify(origin)} may not be empty or hold spaces or '+'`);
    this.verifierKey = verifierKeyOf(origin, rawEd25519PublicKey(key));
    for (const k of retiredKeys) parseVerifierKey(k);
  }

  /** The signed note of the C2SP checkpoint (origin, size, base64 root). Ed25519 is deterministic: same tree, same note. */
  checkpoint(size: bigint, root: Buffer): string {
    return signNote(checkpointText({ origin: this.origin, size, root }), this.origin, this.key);
  }
}
