import { createHash, randomBytes } from 'node:crypto';
import { NoteError, isValidKeyName } from './signed-note';

/**
 * SM2 signatures with SM3 (GB/T 32918.2-2016, GB/T 32905-2016), for deployments that must pass the
 * commercial-cryptography assessment (密评): a second signature line on the checkpoint note.
 *
 * SM3 is Node's (OpenSSL's) `sm3` digest. Node cannot make SM2 signatures (an EC key on the SM2 curve
 * signs ECDSA-style, without the Z value), so the signature arithmetic is written out here on the
 * recommended curve (GB/T 32918.5) with BigInt; the nonce comes from crypto.randomBytes. The tests
 * check it against an independent implementation (sm-crypto) in both directions. BigInt arithmetic
 * is not constant-time: a deployment whose assessment requires a certified module signs with it
 * instead (docs/audit.md §8.10).
 *
 * Note signature (C2SP signed-note, unregistered type 0xff):
 * - type bytes: 0xff ‖ "sm2-sm3@ipstd/v1";
 * - key id: SHA-256(name ‖ "\n" ‖ type bytes ‖ 65-byte public key 04‖x‖y)[:4];
 * - verifier key: name+hexkeyid+base64(type bytes ‖ public key);
 * - signature: r ‖ s (32 bytes each, big-endian) over the note text, distinguishing id
 *   "1234567812345678" (GB/T 35276-2017 default); the line is `— name base64(keyid ‖ r ‖ s)`.
 */
export const SM2_TYPE = Buffer.concat([Buffer.from([0xff]), Buffer.from('sm2-sm3@ipstd/v1', 'ascii')]);
export const SM2_DEFAULT_ID = Buffer.from('1234567812345678', 'ascii');

const P = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF');
const A = P - 3n;
const B = BigInt('0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93');
const N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
const GX = BigInt('0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7');
const GY = BigInt('0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0');

export function sm3(...parts: Buffer[]): Buffer {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return h.digest();
}

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new NoteError('not invertible');
  return mod(s0, m);
}
const big = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);
const bytes32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

/** Jacobian point (X, Y, Z); Z = 0 is the point at infinity. */
type J = readonly [bigint, bigint, bigint];
const INFINITY: J = [1n, 1n, 0n];
function double([x, y, z]: J): J {
  if (z === 0n || y === 0n) return INFINITY;
  const yy = mod(y * y, P);
  const s = mod(4n * x * yy, P);
  const zz = mod(z * z, P);
  const m = mod(3n * x * x + A * zz * zz, P);
  const x3 = mod(m * m - 2n * s, P);
  return [x3, mod(m * (s - x3) - 8n * yy * yy, P), mod(2n * y * z, P)];
}
function add(p: J, q: J): J {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const z1z1 = mod(p[2] * p[2], P);
  const z2z2 = mod(q[2] * q[2], P);
  const u1 = mod(p[0] * z2z2, P);
  const u2 = mod(q[0] * z1z1, P);
  const s1 = mod(p[1] * q[2] * z2z2, P);
  const s2 = mod(q[1] * p[2] * z1z1, P);
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const v = mod(u1 * hh, P);
  const x3 = mod(r * r - hhh - 2n * v, P);
  return [x3, mod(r * (v - x3) - s1 * hhh, P), mod(p[2] * q[2] * h, P)];
}
function multiply(k: bigint, point: J): J {
  let result = INFINITY;
  for (let i = BigInt(k.toString(2).length - 1); i >= 0n; i--) {
    result = double(result);
    if ((k >> i) & 1n) result = add(result, point);
  }
  return result;
}
function affine([x, y, z]: J): [bigint, bigint] | null {
  if (z === 0n) return null;
  const zi = inverse(z, P);
  const zi2 = mod(zi * zi, P);
  return [mod(x * zi2, P), mod(y * zi2 * zi, P)];
}
const G: J = [GX, GY, 1n];

/** A public key 04 ‖ x ‖ y (65 bytes) checked to be a point of the curve. */
export function sm2PublicPoint(publicKey: Buffer): [bigint, bigint] {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) throw new NoteError('an SM2 public key is 65 bytes: 0x04 ‖ x ‖ y');
  const x = big(publicKey.subarray(1, 33));
  const y = big(publicKey.subarray(33));
  if (x >= P || y >= P || mod(y * y - (x * x * x + A * x + B), P) !== 0n) throw new NoteError('the SM2 public key is not a point of the curve');
  return [x, y];
}

export function sm2PublicKeyOf(d: bigint): Buffer {
  const [x, y] = affine(multiply(d, G))!;
  return Buffer.concat([Buffer.from([0x04]), bytes32(x), bytes32(y)]);
}

/** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA). */
export function sm2Za(publicKey: Buffer, id: Buffer = SM2_DEFAULT_ID): Buffer {
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  return sm3(entl, id, bytes32(A), bytes32(B), bytes32(GX), bytes32(GY), publicKey.subarray(1, 33), publicKey.subarray(33));
}

/** SM2 signature r ‖ s (64 bytes) of `message` by private key d (public key given to spare a multiplication). */
export function sm2Sign(message: Buffer, d: bigint, publicKey: Buffer): Buffer {
  if (!(d >= 1n && d < N - 1n)) throw new NoteError('the SM2 private key is out of range');
  const e = big(sm3(sm2Za(publicKey), message));
  const dInv = inverse(1n + d, N);
  for (;;) {
    const k = mod(big(randomBytes(40)), N - 1n) + 1n;
    const [x1] = affine(multiply(k, G))!;
    const r = mod(e + x1, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(dInv * (k - r * d), N);
    if (s === 0n) continue;
    return Buffer.concat([bytes32(r), bytes32(s)]);
  }
}

export function sm2Verify(message: Buffer, signature: Buffer, publicKey: Buffer): boolean {
  if (signature.length !== 64) return false;
  const point = sm2PublicPoint(publicKey);
  const r = big(signature.subarray(0, 32));
  const s = big(signature.subarray(32));
  if (!(r >= 1n && r < N && s >= 1n && s < N)) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const e = big(sm3(sm2Za(publicKey), message));
  const sum = affine(add(multiply(s, G), multiply(t, [point[0], point[1], 1n])));
  return sum !== null && mod(e + sum[0], N) === r;
}

/** DER OID 1.2.156.10197.1.301 (the SM2 curve, GB/T 33560). */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');

/**
 * The private scalar of an SM2 key: a PEM (or DER) EC private key on the SM2 curve, PKCS#8 or SEC1
 * (`openssl genpkey -algorithm SM2`), or 64 hex digits. The DER is read here rather than by Node,
 * whose key objects do not handle SM2 keys reliably: the SEC1 ECPrivateKey inside (INTEGER 1,
 * OCTET STRING of 32 bytes) gives d; the curve must be SM2; a public key in the file must be d·G.
 */
export function sm2PrivateScalar(file: Buffer): bigint {
  const text = file.toString('utf8').trim();
  let d: bigint;
  if (/^[0-9a-fA-F]{64}$/.test(text)) d = BigInt(`0x${text}`);
  else {
    const pem = /-----BEGIN (?:EC |)PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END (?:EC |)PRIVATE KEY-----/.exec(text);
    const der = pem ? Buffer.from(pem[1].replace(/\s+/g, ''), 'base64') : file;
    if (der.indexOf(SM2_CURVE_OID) < 0) throw new NoteError('not an EC private key on the SM2 curve (no SM2 curve identifier)');
    const at = der.indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]));
    if (at < 0 || at + 37 > der.length) throw new NoteError('no SEC1 EC private key inside the SM2 key file');
    d = big(der.subarray(at + 5, at + 37));
    if (!(d >= 1n && d < N - 1n)) throw new NoteError('the SM2 private key is out of range');
    const pubAt = der.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]), at + 37);
    if (pubAt >= 0 && !der.subarray(pubAt + 3, pubAt + 68).equals(sm2PublicKeyOf(d))) throw new NoteError('the public key in the SM2 key file is not that of its private key');
  }
  if (!(d >= 1n && d < N - 1n)) throw new NoteError('the SM2 private key is out of range');
  return d;
}

/** The name of the log's SM2 key: its origin with `/sm2`, so the two signature lines name different keys. */
export const sm2KeyNameOf = (origin: string) => `${origin}/sm2`;

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export function sm2KeyId(name: string, publicKey: Buffer): number {
  return createHash('sha256').update(Buffer.from(`${name}\n`, 'utf8')).update(SM2_TYPE).update(publicKey).digest().readUInt32BE(0);
}

export function sm2VerifierKeyOf(name: string, publicKey: Buffer): string {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  sm2PublicPoint(publicKey);
  return `${name}+${hex8(sm2KeyId(name, publicKey))}+${Buffer.concat([SM2_TYPE, publicKey]).toString('base64')}`;
}

export interface Sm2VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Buffer;
  readonly text: string;
}

/** True when a verifier key string is of the SM2 type (its key bytes start with 0xff ‖ "sm2-sm3@ipstd/v1"). */
export function isSm2VerifierKey(text: string): boolean {
  const b64 = text.trim().split('+').slice(2).join('+');
  return Buffer.from(b64, 'base64').subarray(0, SM2_TYPE.length).equals(SM2_TYPE);
}

export function parseSm2VerifierKey(text: string): Sm2VerifierKey {
  const trimmed = text.trim();
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(trimmed);
  if (!m) throw new NoteError('an SM2 verifier key has the form name+hexkeyid+base64key');
  const [, name, id, b64] = m;
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(id)) throw new NoteError('malformed SM2 verifier key name or key id');
  const key = Buffer.from(b64, 'base64');
  if (key.toString('base64') !== b64 || key.length !== SM2_TYPE.length + 65 || !key.subarray(0, SM2_TYPE.length).equals(SM2_TYPE)) {
    throw new NoteError('the key is not an SM2 verifier key (0xff ‖ "sm2-sm3@ipstd/v1" ‖ 65-byte public key, base64)');
  }
  const publicKey = key.subarray(SM2_TYPE.length);
  sm2PublicPoint(publicKey);
  if (hex8(sm2KeyId(name, publicKey)) !== id) throw new NoteError('the SM2 verifier key id does not match its name and key');
  return { name, keyId: Number.parseInt(id, 16), publicKey, text: trimmed };
}

/** The note signature line of an SM2 signature over `text`. */
export function sm2SignatureLine(text: string, name: string, d: bigint, publicKey: Buffer): string {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(sm2KeyId(name, publicKey));
  return `— ${name} ${Buffer.concat([head, sm2Sign(Buffer.from(text, 'utf8'), d, publicKey)]).toString('base64')}`;
}

/** Verifies the SM2 line of `key` in a signed note; throws NoteError when it is missing or does not verify. */
export function verifySm2Line(note: string, key: Sm2VerifierKey): void {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('not a signed note');
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split('\n').filter(Boolean)) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m || m[1] !== key.name) continue;
    const sig = Buffer.from(m[2], 'base64');
    if (sig.length < 4 || sig.readUInt32BE(0) !== key.keyId) continue;
    if (!sm2Verify(Buffer.from(text, 'utf8'), sig.subarray(4), key.publicKey)) throw new NoteError(`the SM2 signature by ${key.name} does not verify`);
    return;
  }
  throw new NoteError(`the note carries no SM2 signature by ${key.name}`);
}
