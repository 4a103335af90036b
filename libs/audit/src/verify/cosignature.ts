import { KeyObject, createHash, createPublicKey, sign, verify } from 'node:crypto';
import { NoteError, isValidKeyName, rawEd25519PublicKey } from './signed-note';

/**
 * Witness cosignatures, C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 type:
 *
 * - cosigner verifier key: `name+hexkeyid+base64(0x04 ‖ 32-byte Ed25519 public key)`;
 * - key id: SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4];
 * - signature line: `— name base64(keyid ‖ u64 big-endian timestamp ‖ 64-byte Ed25519 signature)`;
 * - signed message: "cosignature/v1\n" ‖ "time <timestamp>\n" ‖ the checkpoint body (the note text
 *   up to and including its last newline, no signature lines).
 *
 * A cosignature says: as of `timestamp` (POSIX seconds), this is the largest consistent tree the
 * witness has seen of the log named by the origin line. Pure: node:crypto only.
 */
export const COSIGNATURE_V1_ALGORITHM = 0x04;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SIGNATURE_LENGTH = 4 + 8 + 64;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

export interface CosignerKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: KeyObject;
  readonly text: string;
}

export interface Cosignature {
  readonly name: string;
  readonly keyId: number;
  /** POSIX seconds at which the witness cosigned. */
  readonly timestamp: bigint;
  /** The signature line as it appears in the note (without the newline). */
  readonly line: string;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export function cosignerKeyId(name: string, publicKey: Buffer): number {
  return createHash('sha256').update(Buffer.from(`${name}\n`, 'utf8')).update(Buffer.from([COSIGNATURE_V1_ALGORITHM])).update(publicKey).digest().readUInt32BE(0);
}

/** The cosigner verifier key `name+hexkeyid+base64(0x04 ‖ publickey)` of an Ed25519 key (public or private). */
export function cosignerVerifierKeyOf(name: string, key: KeyObject | Buffer): string {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  const raw = Buffer.isBuffer(key) ? key : rawEd25519PublicKey(key);
  return `${name}+${hex8(cosignerKeyId(name, raw))}+${Buffer.concat([Buffer.from([COSIGNATURE_V1_ALGORITHM]), raw]).toString('base64')}`;
}

/** Parses and checks a cosigner verifier key (type 0x04; the key id must match the name and key). */
export function parseCosignerKey(text: string): CosignerKey {
  const trimmed = text.trim();
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(trimmed);
  if (!m) throw new NoteError('a cosigner key has the form name+hexkeyid+base64key');
  const [, name, id, b64] = m;
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(id)) throw new NoteError('malformed cosigner key name or key id');
  const key = Buffer.from(b64, 'base64');
  if (key.toString('base64') !== b64 || key.length !== 33 || key[0] !== COSIGNATURE_V1_ALGORITHM) throw new NoteError('the cosigner key is not an Ed25519 cosignature/v1 key (0x04 ‖ 32 bytes, base64)');
  const raw = key.subarray(1);
  if (hex8(cosignerKeyId(name, raw)) !== id) throw new NoteError('the cosigner key id does not match its name and key');
  return { name, keyId: Number.parseInt(id, 16), publicKey: createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' }), text: trimmed };
}

/** The message a cosignature signs. `body` is the checkpoint text, ending with its newline. */
export function cosignatureMessage(body: string, timestamp: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');
}

/** Signs a checkpoint body as a witness would (for witness tooling; the service only verifies). */
export function signCosignature(body: string, name: string, privateKey: KeyObject, timestamp: bigint): string {
  const head = Buffer.alloc(12);
  head.writeUInt32BE(cosignerKeyId(name, rawEd25519PublicKey(privateKey)));
  head.writeBigUInt64BE(timestamp, 4);
  return `— ${name} ${Buffer.concat([head, sign(null, cosignatureMessage(body, timestamp), privateKey)]).toString('base64')}`;
}

/** Splits a signature line into name, key id and the rest; null when it is not a signature line. */
export function signatureLineParts(line: string): { name: string; keyId: number; rest: Buffer } | null {
  const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
  if (!m) return null;
  const sig = Buffer.from(m[2], 'base64');
  if (sig.length < 5) return null;
  return { name: m[1], keyId: sig.readUInt32BE(0), rest: sig.subarray(4) };
}

/** Verifies one cosignature line over `body` with `key`; throws NoteError when it is not a valid cosignature by it. */
export function verifyCosignature(body: string, line: string, key: CosignerKey): Cosignature {
  const parts = signatureLineParts(line.trim());
  if (!parts) throw new NoteError('not a signature line ("— <name> <base64>")');
  if (parts.name !== key.name || parts.keyId !== key.keyId) throw new NoteError(`the line is not by the cosigner key ${key.text}`);
  if (parts.rest.length !== SIGNATURE_LENGTH - 4) throw new NoteError('a cosignature/v1 holds a key id, an 8-byte timestamp and a 64-byte Ed25519 signature');
  const timestamp = parts.rest.readBigUInt64BE(0);
  if (timestamp > MAX_TIMESTAMP) throw new NoteError('the cosignature timestamp exceeds 2^63 - 1');
  if (!verify(null, cosignatureMessage(body, timestamp), key.publicKey, parts.rest.subarray(8))) throw new NoteError(`the cosignature by ${key.name} does not verify`);
  return { name: key.name, keyId: key.keyId, timestamp, line: line.trim() };
}

/** The signature lines of a signed note and its body (text up to the blank line, with its newline). */
export function noteParts(note: string): { body: string; lines: string[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('not a signed note (no blank line before the signatures)');
  return { body: note.slice(0, split + 1), lines: note.slice(split + 2).split('\n').filter(Boolean) };
}

export interface WitnessReport {
  /** Cosignatures that verified with a given cosigner key. */
  readonly verified: Cosignature[];
  /** Lines by a given cosigner key that did not verify. */
  readonly failed: Array<{ name: string; reason: string }>;
  /** Signature lines by keys that were not given (neither the log's nor a given witness's): reported, unverified. */
  readonly unknown: string[];
}

/**
 * The witness lines of a note: each line by a given cosigner key is verified; lines by other names
 * (except `logKeyNames`, the log's own keys) are listed as unknown, unverified.
 */
export function witnessReport(note: string, cosigners: readonly CosignerKey[], logKeyNames: readonly string[]): WitnessReport {
  const { body, lines } = noteParts(note);
  const verified: Cosignature[] = [];
  const failed: Array<{ name: string; reason: string }> = [];
  const unknown: string[] = [];
  for (const line of lines) {
    const parts = signatureLineParts(line);
    if (!parts) throw new NoteError(`malformed signature line ${JSON.stringify(line)}`);
    const key = cosigners.find((k) => k.name === parts.name && k.keyId === parts.keyId);
    if (key) {
      try {
        verified.push(verifyCosignature(body, line, key));
      } catch (error) {
        failed.push({ name: key.name, reason: (error as Error).message });
      }
    } else if (!logKeyNames.includes(parts.name)) unknown.push(parts.name);
  }
  return { verified, failed, unknown };
}
