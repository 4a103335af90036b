import { KeyObject, createHash, createPublicKey, sign, verify } from 'node:crypto';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures, key names and ids as in
 * Go's golang.org/x/mod/sumdb/note, and C2SP tlog-checkpoint bodies. Pure: keys come in as objects.
 */

const ED25519_ALGORITHM = 0x01;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class NoteError extends Error {}

/** Key names: non-empty, no Unicode spaces, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

/** The raw 32-byte Ed25519 public key of a key object (public or private). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new NoteError('not an Ed25519 key');
  const der = pub.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** Key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), as a big-endian number. */
export function keyHash(name: string, publicKey: Buffer): number {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519_ALGORITHM]))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The verifier key string `name+hexkeyhash+base64(0x01 ‖ publickey)`. */
export function verifierKeyOf(name: string, publicKey: Buffer): string {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  return `${name}+${hex8(keyHash(name, publicKey))}+${Buffer.concat([Buffer.from([ED25519_ALGORITHM]), publicKey]).toString('base64')}`;
}

export interface VerifierKey {
  readonly name: string;
  readonly keyHash: number;
  readonly publicKey: KeyObject;
  readonly text: string;
}

/** Parses and checks a verifier key string (the key hash must match the name and key). */
export function parseVerifierKey(text: string): VerifierKey {
  const trimmed = text.trim();
  // The base64 key may itself hold '+': split at the first two only.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(trimmed);
  if (!m) throw new NoteError('a verifier key has the form name+hexkeyhash+base64key');
  const [, name, hash, b64] = m;
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hash)) throw new NoteError('malformed verifier key name or key hash');
  const key = Buffer.from(b64, 'base64');
  if (key.toString('base64') !== b64 || key.length !== 33 || key[0] !== ED25519_ALGORITHM) throw new NoteError('the verifier key is not an Ed25519 key (0x01 ‖ 32 bytes, base64)');
  const raw = key.subarray(1);
  if (hex8(keyHash(name, raw)) !== hash) throw new NoteError('the verifier key hash does not match its name and key');
  return { name, keyHash: Number.parseInt(hash, 16), publicKey: createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' }), text: trimmed };
}

/** Signs a note text (must end with a newline) with an Ed25519 private key under `name`. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new NoteError('note text must end with a newline and hold no blank line');
  const publicKey = rawEd25519PublicKey(privateKey);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(keyHash(name, publicKey));
  return `${text}\n— ${name} ${Buffer.concat([head, signature]).toString('base64')}\n`;
}

export interface OpenedNote {
  readonly text: string;
  /** The names of the given keys whose signatures verified. */
  readonly verifiedBy: string[];
  /** Signature lines by keys not given (e.g. witnesses), kept unverified. */
  readonly otherSignatures: number;
}

/** Splits a signed note and checks its signatures; at least one must verify with a given key. */
export function openNote(note: string, keys: readonly VerifierKey[]): OpenedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('not a signed note (no blank line before the signatures)');
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2);
  if (!sigLines.endsWith('\n')) throw new NoteError('signature lines must end with a newline');
  const verifiedBy: string[] = [];
  let otherSignatures = 0;
  for (const line of sigLines.slice(0, -1).split('\n')) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) throw new NoteError(`malformed signature line ${JSON.stringify(line)}`);
    const sig = Buffer.from(m[2], 'base64');
    if (sig.length < 5) throw new NoteError('signature too short');
    const id = sig.readUInt32BE(0);
    const key = keys.find((k) => k.name === m[1] && k.keyHash === id);
    if (!key) {
      otherSignatures += 1;
      continue;
    }
    if (!verify(null, Buffer.from(text, 'utf8'), key.publicKey, sig.subarray(4))) throw new NoteError(`the signature by ${key.name} does not verify`);
    verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) throw new NoteError('no signature by a known key');
  return { text, verifiedBy, otherSignatures };
}

/** A C2SP tlog-checkpoint body. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: bigint;
  readonly root: Buffer;
  readonly extensions: readonly string[];
}

export function checkpointText(c: Omit<Checkpoint, 'extensions'> & { extensions?: readonly string[] }): string {
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n${(c.extensions ?? []).map((e) => `${e}\n`).join('')}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new NoteError('a checkpoint has an origin, a size and a root hash line');
  const [origin, size, root, ...rest] = lines.slice(0, -1);
  if (!origin) throw new NoteError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new NoteError('checkpoint size is not a decimal number');
  const hash = Buffer.from(root, 'base64');
  if (hash.length !== 32 || hash.toString('base64') !== root) throw new NoteError('checkpoint root is not a base64 SHA-256 hash');
  return { origin, size: BigInt(size), root: hash, extensions: rest };
}

/** Opens a signed checkpoint note with the given keys; the origin must be the name of a verifying key. */
export function openCheckpoint(note: string, keys: readonly VerifierKey[]): Checkpoint & OpenedNote {
  const opened = openNote(note, keys);
  const checkpoint = parseCheckpoint(opened.text);
  if (!opened.verifiedBy.includes(checkpoint.origin)) throw new NoteError(`the checkpoint's origin ${JSON.stringify(checkpoint.origin)} is not the name of a key that signed it`);
  return { ...checkpoint, ...opened };
}
