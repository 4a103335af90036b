import { createHash, generateKeyPairSync, verify as edVerify, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  MerkleFrontier,
  NoteError,
  consistencyRanges,
  foldSubtrees,
  inclusionRanges,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  perfectSubtreesOf,
  signNote,
  checkpointText,
  verifierKeyOf,
  rawEd25519PublicKey,
  verifyConsistency,
  verifyInclusion,
} from '../src/verify';

// ---------------------------------------------------------------------------------------------
// An independent, naive RFC 9162 §2.1 implementation: MTH, PATH and PROOF straight from the RFC's
// recursive definitions over the full list of leaf data. Nothing of the service's code is used.
// ---------------------------------------------------------------------------------------------
const H = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};
function MTH(D: Buffer[]): Buffer {
  if (D.length === 0) return H();
  if (D.length === 1) return H(Buffer.from([0]), D[0]);
  const s = k(D.length);
  return H(Buffer.from([1]), MTH(D.slice(0, s)), MTH(D.slice(s)));
}
function PATH(m: number, D: Buffer[]): Buffer[] {
  if (D.length === 1) return [];
  const s = k(D.length);
  return m < s ? [...PATH(m, D.slice(0, s)), MTH(D.slice(s))] : [...PATH(m - s, D.slice(s)), MTH(D.slice(0, s))];
}
function SUBPROOF(m: number, D: Buffer[], b: boolean): Buffer[] {
  if (m === D.length) return b ? [] : [MTH(D)];
  const s = k(D.length);
  return m <= s ? [...SUBPROOF(m, D.slice(0, s), b), MTH(D.slice(s))] : [...SUBPROOF(m - s, D.slice(s), false), MTH(D.slice(0, s))];
}
const PROOF = (m: number, D: Buffer[]) => SUBPROOF(m, D, true);

const leaves = (n: number, seed = 0) => Array.from({ length: n }, (_, i) => H(Buffer.from(`event ${seed}/${i}`)));

/** The service's tree: frontier appends, stored perfect subtrees, proofs resolved from them. */
function serviceTree(D: Buffer[]) {
  const frontier = new MerkleFrontier();
  const stored = new Map<string, Buffer>();
  const roots: Buffer[] = [EMPTY_ROOT];
  for (const d of D) {
    for (const node of frontier.append(d)) stored.set(`${node.level}:${node.index}`, node.hash);
    roots.push(frontier.root());
  }
  const range = ([s, e]: readonly [bigint, bigint]) => foldSubtrees(perfectSubtreesOf(s, e).map((p) => stored.get(`${p.level}:${p.index}`)!));
  return {
    roots,
    inclusion: (m: number, n: number) => inclusionRanges(BigInt(m), BigInt(n)).map(range),
    consistency: (m: number, n: number) => consistencyRanges(BigInt(m), BigInt(n)).map(range),
    rootAt: (n: number) => range([0n, BigInt(n)]),
  };
}

describe('RFC 9162 Merkle tree (checked against a naive implementation)', () => {
  const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 1000];

  it.each(SIZES)('root, every inclusion proof and every consistency proof agree for size %i', (n) => {
    const D = leaves(n);
    const t = serviceTree(D);
    for (const size of n <= 40 ? Array.from({ length: n + 1 }, (_, i) => i) : [0, 1, 2, 3, 7, 8, 9, 511, 512, 513, 999, 1000]) {
      expect(t.roots[size].equals(MTH(D.slice(0, size)))).toBe(true);
    }
    expect(t.rootAt(n).equals(MTH(D))).toBe(true);
    const indices = n <= 40 ? Array.from({ length: n }, (_, i) => i) : [0, 1, 2, 255, 256, 511, 512, 998, 999];
    for (const m of indices) {
      const proof = t.inclusion(m, n);
      expect(proof.map((p) => p.toString('hex'))).toEqual(PATH(m, D).map((p) => p.toString('hex')));
      expect(verifyInclusion(leafHash(D[m]), BigInt(m), BigInt(n), proof, MTH(D))).toBe(true);
    }
    const froms = n <= 40 ? Array.from({ length: n }, (_, i) => i + 1) : [1, 2, 3, 7, 8, 9, 500, 512, 513, 999, 1000];
    for (const m of froms) {
      const proof = t.consistency(m, n);
      expect(proof.map((p) => p.toString('hex'))).toEqual(PROOF(m, D).map((p) => p.toString('hex')));
      expect(verifyConsistency(BigInt(m), BigInt(n), MTH(D.slice(0, m)), MTH(D), proof)).toBe(true);
    }
  });

  it('random sizes and indices: proofs equal the naive ones and verify; tampered proofs do not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.nat(), (n, a, b, seed) => {
        const D = leaves(n, seed);
        const t = serviceTree(D);
        const root = MTH(D);
        const m = a % n;
        const path = t.inclusion(m, n);
        expect(path.map((p) => p.toString('hex'))).toEqual(PATH(m, D).map((p) => p.toString('hex')));
        expect(verifyInclusion(leafHash(D[m]), BigInt(m), BigInt(n), path, root)).toBe(true);
        // Another leaf, another index, a flipped proof element or another size fail.
        expect(verifyInclusion(leafHash(H(Buffer.from('forged'))), BigInt(m), BigInt(n), path, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(leafHash(D[m]), BigInt((m + 1) % n), BigInt(n), path, root)).toBe(false);
        if (path.length) {
          const bad = path.map((p, i) => (i === b % path.length ? H(p) : p));
          expect(verifyInclusion(leafHash(D[m]), BigInt(m), BigInt(n), bad, root)).toBe(false);
        }
        const from = (b % n) + 1;
        const proof = t.consistency(from, n);
        expect(proof.map((p) => p.toString('hex'))).toEqual(PROOF(from, D).map((p) => p.toString('hex')));
        expect(verifyConsistency(BigInt(from), BigInt(n), MTH(D.slice(0, from)), root, proof)).toBe(true);
        // A forked earlier tree (one leaf rewritten) is not consistent with the current one.
        const forked = [...D.slice(0, from)];
        forked[a % from] = H(Buffer.from('rewritten'));
        expect(verifyConsistency(BigInt(from), BigInt(n), MTH(forked), root, proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('rebuilding the frontier from its stored edge continues the same tree (incremental advance)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 50 }), (n, more) => {
        const D = leaves(n + more);
        const first = new MerkleFrontier();
        const stored = new Map<string, Buffer>();
        for (const d of D.slice(0, n)) for (const node of first.append(d)) stored.set(`${node.level}:${node.index}`, node.hash);
        const edge = perfectSubtreesOf(0n, BigInt(n)).map((p) => stored.get(`${p.level}:${p.index}`)!);
        const resumed = new MerkleFrontier(BigInt(n), edge);
        for (const d of D.slice(n)) resumed.append(d);
        expect(resumed.root().equals(MTH(D))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('signed checkpoints (C2SP signed note, Ed25519, sumdb/note key ids)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const name = 'audit.example.gov.cn/ipstd';
  const raw = rawEd25519PublicKey(publicKey);
  const vkey = verifierKeyOf(name, raw);

  it('key id is the first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ key), the verifier key name+hex+base64(0x01‖key)', () => {
    const id = H(Buffer.from(`${name}\n`), Buffer.from([1]), raw).subarray(0, 4).toString('hex');
    expect(vkey).toBe(`${name}+${id}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`);
    // Go's sumdb/note test vector (PeterNeumann): the same rule gives the same key hash.
    const go = parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    expect(go.keyHash).toBe(0xc74f20a3);
  });

  it('verifies with the public key alone (independent check with node:crypto) and rejects tampering', () => {
    const root = H(Buffer.from('root'));
    const note = signNote(checkpointText({ origin: name, size: 1234n, root }), name, privateKey);
    const [text, sigLine] = note.split('\n\n');
    expect(text).toBe(`${name}\n1234\n${root.toString('base64')}`);
    const sig = Buffer.from(sigLine.replace(/^— \S+ /, '').trim(), 'base64');
    const [, idHex, keyB64] = /^[^+]+\+([0-9a-f]{8})\+(.+)$/.exec(vkey)!;
    expect(sig.subarray(0, 4).toString('hex')).toBe(idHex);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keyB64, 'base64').subarray(1)]);
    expect(edVerify(null, Buffer.from(`${text}\n`), createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig.subarray(4))).toBe(true);

    const opened = openCheckpoint(note, [parseVerifierKey(vkey)]);
    expect(opened.size).toBe(1234n);
    expect(opened.root.equals(root)).toBe(true);
    expect(() => openCheckpoint(note.replace('\n1234\n', '\n1235\n'), [parseVerifierKey(vkey)])).toThrow(NoteError);
    const other = generateKeyPairSync('ed25519');
    const otherKey = parseVerifierKey(verifierKeyOf(name, rawEd25519PublicKey(other.publicKey)));
    expect(() => openCheckpoint(note, [otherKey])).toThrow('no signature by a known key');
    expect(() => parseVerifierKey(vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toThrow(NoteError);
  });
});
