import { createHash } from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing and proofs over the log: one leaf
 * per stored event in global-position order, leaf data = the event's 32-byte envelope hash.
 * Pure: no database, no framework; the service stores the perfect subtree hashes this produces
 * and resolves the ranges a proof needs (docs/audit.md §8).
 */

export const HASH_SIZE = 32;

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256();

/** SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, data);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

/** The leaf data of an event: its hex envelope hash decoded to 32 bytes. */
export function leafDataOfHash(hexHash: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(hexHash)) throw new TypeError(`not a lowercase hex SHA-256: ${JSON.stringify(hexHash)}`);
  return Buffer.from(hexHash, 'hex');
}

/** A stored perfect subtree: leaves [index·2^level, (index+1)·2^level). Level 0 is a leaf hash. */
export interface TreeNode {
  readonly level: number;
  readonly index: bigint;
  readonly hash: Buffer;
}

/** The perfect subtrees whose hashes make up [start, end), largest first (each aligned to its size). */
export function perfectSubtreesOf(start: bigint, end: bigint): Array<{ level: number; index: bigint }> {
  const out: Array<{ level: number; index: bigint }> = [];
  let s = start;
  while (s < end) {
    let level = 0;
    // Largest aligned power of two at s that fits in what remains.
    while ((s & ((1n << BigInt(level + 1)) - 1n)) === 0n && s + (1n << BigInt(level + 1)) <= end) level += 1;
    out.push({ level, index: s >> BigInt(level) });
    s += 1n << BigInt(level);
  }
  return out;
}

/** Folds the hashes of perfectSubtreesOf(start, end), in that order, into MTH of the range. */
export function foldSubtrees(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let r = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i], r);
  return r;
}

/** The largest power of two strictly less than n (n ≥ 2). */
function splitOf(n: bigint): bigint {
  let k = 1n;
  while (k << 1n < n) k <<= 1n;
  return k;
}

/** A range [start, end) of leaves whose MTH is one element of a proof. */
export type LeafRange = readonly [start: bigint, end: bigint];

/** The ranges whose MTHs form PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), from the leaf upwards. */
export function inclusionRanges(index: bigint, size: bigint): LeafRange[] {
  if (!(index >= 0n && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const walk = (m: bigint, s: bigint, e: bigint): LeafRange[] => {
    if (e - s === 1n) return [];
    const k = splitOf(e - s);
    return m - s < k ? [...walk(m, s, s + k), [s + k, e]] : [...walk(m, s + k, e), [s, s + k]];
  };
  return walk(index, 0n, size);
}

/** The ranges whose MTHs form PROOF(m, D[0:n]) (RFC 9162 §2.1.4.1); empty when m = n. */
export function consistencyRanges(m: bigint, n: bigint): LeafRange[] {
  if (!(m >= 1n && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  const sub = (mm: bigint, s: bigint, e: bigint, whole: boolean): LeafRange[] => {
    if (mm === e - s) return whole ? [] : [[s, e]];
    const k = splitOf(e - s);
    return mm <= k ? [...sub(mm, s, s + k, whole), [s + k, e]] : [...sub(mm - k, s + k, e, false), [s, s + k]];
  };
  return sub(m, 0n, n, true);
}

/** Merkle tree head kept as its right edge: the perfect subtrees of the binary decomposition of size. */
export class MerkleFrontier {
  private readonly nodes: TreeNode[];
  private count: bigint;

  /** `edge`: the hashes of perfectSubtreesOf(0, size), in that order. */
  constructor(size = 0n, edge: readonly Buffer[] = []) {
    const shape = perfectSubtreesOf(0n, size);
    if (shape.length !== edge.length) throw new RangeError(`a tree of size ${size} has ${shape.length} edge subtrees, got ${edge.length}`);
    this.nodes = shape.map((s, i) => ({ ...s, hash: edge[i] }));
    this.count = size;
  }

  get size(): bigint {
    return this.count;
  }

  /** Appends a leaf (its data, not its hash); returns the perfect subtrees completed by it, the leaf first. */
  append(data: Uint8Array): TreeNode[] {
    const index = this.count;
    let node: TreeNode = { level: 0, index, hash: leafHash(data) };
    const made = [node];
    while (this.nodes.length && this.nodes[this.nodes.length - 1].level === node.level) {
      const left = this.nodes.pop()!;
      node = { level: node.level + 1, index: left.index >> 1n, hash: nodeHash(left.hash, node.hash) };
      made.push(node);
    }
    this.nodes.push(node);
    this.count += 1n;
    return made;
  }

  root(): Buffer {
    return foldSubtrees(this.nodes.map((n) => n.hash));
  }
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `index` (of data `leafData`'s hash) in the tree (size, root)? */
export function verifyInclusion(leaf: Buffer, index: bigint, size: bigint, proof: readonly Buffer[], root: Buffer): boolean {
  if (!(index >= 0n && index < size)) return false;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (m, rootM) is a prefix of (n, rootN)? */
export function verifyConsistency(m: bigint, n: bigint, rootM: Buffer, rootN: Buffer, proof: readonly Buffer[]): boolean {
  if (!(m >= 1n && m <= n)) return false;
  if (m === n) return proof.length === 0 && rootM.equals(rootN);
  let path = [...proof];
  if ((m & (m - 1n)) === 0n) path = [rootM, ...path];
  if (path.length === 0) return false;
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && fr.equals(rootM) && sr.equals(rootN);
}
