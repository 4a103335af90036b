#!/usr/bin/env node
// Verifies a single-event evidence bundle (GET /v1/audit/evidence/{eventId}) with nothing but the
// log's verifier key, which the auditor obtained separately. Standalone on purpose: Node's own
// node:crypto and node:fs only, no project code, so that anyone can read and run it.
// The algorithm is written out in docs/audit.md §8.5.
//
//   node scripts/verify-evidence.mjs BUNDLE.json 'origin+hexkeyhash+base64key' [--witness-key 'name+hexkeyid+base64key']...
//   (a key may also be given as the path of a file holding it)
//
// Witness cosignature lines of the checkpoint (C2SP tlog-cosignature) are reported; each
// --witness-key has its cosignature verified, and a missing or invalid one fails the check.
// Exit status: 0 the event is in the signed log; 1 a check failed; 2 unreadable input.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

class Unreadable extends Error {}
class Failed extends Error {}

// Step 1: canonical JSON (keys sorted by UTF-16 code units, no whitespace; RFC 8785 style).
function canonicalJson(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Unreadable('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  throw new Unreadable(`unsupported JSON value ${typeof value}`);
}

// Step 2: the envelope hash of the event.
function envelopeHash(e) {
  const covered = {
    v: 1,
    streamId: e.streamId,
    revision: String(e.revision),
    eventId: e.eventId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt,
    previousHash: e.previousHash,
  };
  return createHash('sha256').update(canonicalJson(covered), 'utf8').digest('hex');
}

// Step 3 and 4: RFC 9162 leaf hash and inclusion proof verification (§2.1.3.2), giving the root.
const leafHash = (data) => sha256(Buffer.from([0x00]), data);
const nodeHash = (l, r) => sha256(Buffer.from([0x01]), l, r);
function rootFromInclusionProof(leaf, index, size, proof) {
  if (!(index >= 0n && index < size)) throw new Failed(`leaf index ${index} is not below the tree size ${size}`);
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Failed('the inclusion proof is too long');
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
  if (sn !== 0n) throw new Failed('the inclusion proof is too short');
  return r;
}

// Step 5: the verifier key (Go sumdb/note): name+hexkeyhash+base64(0x01 ‖ Ed25519 public key).
function parseVerifierKey(text) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!m) throw new Unreadable('the verifier key must look like name+hexkeyhash+base64key');
  const key = Buffer.from(m[3], 'base64');
  if (key.length !== 33 || key[0] !== 0x01) throw new Unreadable('the verifier key is not an Ed25519 key');
  const raw = key.subarray(1);
  const id = sha256(Buffer.from(`${m[1]}\n`, 'utf8'), Buffer.from([0x01]), raw).subarray(0, 4);
  if (id.toString('hex') !== m[2]) throw new Unreadable('the verifier key hash does not match its name and key');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return { name: m[1], id, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

// Step 6: the signed note: text, blank line, signature lines "— name base64(keyid ‖ signature)".
function openCheckpoint(note, key) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Failed('the checkpoint is not a signed note');
  const text = note.slice(0, split + 1);
  const signed = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean)
    .some((line) => {
      const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
      if (!m || m[1] !== key.name) return false;
      const sig = Buffer.from(m[2], 'base64');
      return sig.length === 68 && sig.subarray(0, 4).equals(key.id) && verify(null, Buffer.from(text, 'utf8'), key.publicKey, sig.subarray(4));
    });
  if (!signed) throw new Failed(`the checkpoint carries no valid signature by ${key.name}`);
  const lines = text.split('\n');
  const [origin, size, root] = lines;
  if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(size ?? '')) throw new Failed('the checkpoint body is malformed');
  if (origin !== key.name) throw new Failed(`the checkpoint's origin ${origin} is not the key's name ${key.name}`);
  return { text, origin, size: BigInt(size), root: Buffer.from(root, 'base64') };
}

// Step 7 (optional): witness cosignatures, C2SP tlog-cosignature Ed25519 (cosignature/v1).
// Key: name+hexkeyid+base64(0x04 ‖ public key), key id = SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4].
// Line: "— name base64(keyid ‖ u64 big-endian timestamp ‖ Ed25519 signature)"; the signature is over
// "cosignature/v1\n" ‖ "time <timestamp>\n" ‖ the checkpoint body.
function parseCosignerKey(text) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!m) throw new Unreadable('a witness key must look like name+hexkeyid+base64key');
  const key = Buffer.from(m[3], 'base64');
  if (key.length !== 33 || key[0] !== 0x04) throw new Unreadable('the witness key is not an Ed25519 cosignature/v1 key');
  const raw = key.subarray(1);
  const id = sha256(Buffer.from(`${m[1]}\n`, 'utf8'), Buffer.from([0x04]), raw).subarray(0, 4);
  if (id.toString('hex') !== m[2]) throw new Unreadable('the witness key id does not match its name and key');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return { name: m[1], id, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

function witnessLines(note, text, logName, witnessKeys) {
  const verified = [];
  const unknown = [];
  for (const line of note.slice(note.lastIndexOf('\n\n') + 2).split('\n').filter(Boolean)) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) throw new Failed(`malformed signature line ${line}`);
    if (m[1] === logName) continue;
    const sig = Buffer.from(m[2], 'base64');
    const key = witnessKeys.find((k) => k.name === m[1] && sig.length >= 4 && sig.subarray(0, 4).equals(k.id));
    if (!key) {
      unknown.push(m[1]);
      continue;
    }
    if (sig.length !== 76) throw new Failed(`the cosignature by ${key.name} is not a cosignature/v1 (76 bytes)`);
    const timestamp = sig.readBigUInt64BE(4);
    const message = Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`, 'utf8');
    if (!verify(null, message, key.publicKey, sig.subarray(12))) throw new Failed(`the cosignature by ${key.name} does not verify`);
    verified.push({ name: key.name, timestamp });
  }
  for (const key of witnessKeys) if (!verified.some((v) => v.name === key.name)) throw new Failed(`the checkpoint carries no cosignature by the witness ${key.name}`);
  return { verified, unknown };
}

function main(argv) {
  const witnessArgs = [];
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--witness-key') witnessArgs.push(argv[++i] ?? '');
    else positional.push(argv[i]);
  }
  const [bundlePath, keyArg] = positional;
  if (!bundlePath || !keyArg || positional.length > 2 || witnessArgs.includes('')) throw new Unreadable('usage: node scripts/verify-evidence.mjs BUNDLE.json VERIFIER_KEY|KEY_FILE [--witness-key COSIGNER_KEY|KEY_FILE]...');
  const witnessKeys = witnessArgs.map((w) => parseCosignerKey(existsSync(w) ? readFileSync(w, 'utf8') : w));
  let bundle;
  try {
    bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
  } catch (error) {
    throw new Unreadable(`cannot read ${bundlePath}: ${error.message}`);
  }
  if (bundle?.format !== 'ipstd-audit-evidence' || bundle.version !== 1) throw new Unreadable('not an ipstd-audit-evidence version 1 bundle');
  const key = parseVerifierKey(existsSync(keyArg) ? readFileSync(keyArg, 'utf8') : keyArg);
  const e = bundle.event;
  if (!e || typeof e.hash !== 'string' || !/^[0-9a-f]{64}$/.test(e.hash)) throw new Unreadable('the bundle holds no event with a SHA-256 hash');
  if (!Array.isArray(bundle.inclusionProof) || !bundle.inclusionProof.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))) throw new Unreadable('the inclusion proof must be a list of hex SHA-256 hashes');
  if (!Number.isSafeInteger(bundle.leafIndex) || !Number.isSafeInteger(bundle.treeSize) || typeof bundle.checkpoint !== 'string') throw new Unreadable('leafIndex, treeSize and checkpoint are required');

  const recomputed = envelopeHash(e);
  if (recomputed !== e.hash) throw new Failed(`the event's fields hash to ${recomputed}, not to its stated hash ${e.hash}`);
  const root = rootFromInclusionProof(leafHash(Buffer.from(e.hash, 'hex')), BigInt(bundle.leafIndex), BigInt(bundle.treeSize), bundle.inclusionProof.map((p) => Buffer.from(p, 'hex')));
  const checkpoint = openCheckpoint(bundle.checkpoint, key);
  if (checkpoint.size !== BigInt(bundle.treeSize)) throw new Failed(`the checkpoint is for a tree of ${checkpoint.size}, the proof for ${bundle.treeSize}`);
  if (!checkpoint.root.equals(root)) throw new Failed('the inclusion proof does not lead to the signed root');
  const witnesses = witnessLines(bundle.checkpoint, checkpoint.text, key.name, witnessKeys);
  process.stdout.write(
    `OK: event ${e.eventId} (${e.type}, stream ${e.streamId} revision ${e.revision}, position ${e.globalPosition}) is leaf ${bundle.leafIndex} of the log ${checkpoint.origin}, ` +
      `whose tree of ${checkpoint.size} events was signed by ${key.name}.\n` +
      witnesses.verified.map((v) => `Witness ${v.name} cosigned it at ${new Date(Number(v.timestamp) * 1000).toISOString()}.\n`).join('') +
      (witnesses.unknown.length ? `Other signature lines, not verified (no key given): ${witnesses.unknown.join(', ')}.\n` : '') +
      `Verified checkpoint:\n${bundle.checkpoint}`,
  );
}

try {
  main(process.argv.slice(2));
  process.exit(0);
} catch (error) {
  if (error instanceof Failed) {
    process.stdout.write(`FAILED: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${error instanceof Unreadable ? 'unreadable input' : 'verify-evidence failed'}: ${error.message}\n`);
  process.exit(2);
}
