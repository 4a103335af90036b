import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashEvent, RecordedEvent } from '@ipstd/event-store';
import { GENESIS_DIGEST, LogSealer, MerkleLog, LogCheckpointData, defaultLogSigningKeyPath, isCheckpointEvent, nextDigest, openCheckpoint, parseVerifierKey, verifyConsistency } from '@ipstd/audit';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, asText, bearer, startTestApp } from '../support/app';
import { seededCreditCode, submitApplications } from '../support/seed';

const DISTRICTS = ['320505', '320506', '320507', '320571'];
const ROOT = join(__dirname, '../..');
const VERIFY_CLI = process.env.AUDIT_VERIFY_CLI ?? join(ROOT, 'dist/scripts/verify.js');
const EVIDENCE_CLI = join(ROOT, 'scripts/verify-evidence.mjs');

// An independent, naive RFC 9162 implementation (recursive MTH / PATH / PROOF), not the service's code.
const H = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const split = (n: number) => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};
const MTH = (D: Buffer[]): Buffer => (D.length === 0 ? H() : D.length === 1 ? H(Buffer.from([0]), D[0]) : H(Buffer.from([1]), MTH(D.slice(0, split(D.length))), MTH(D.slice(split(D.length)))));
const PATH = (m: number, D: Buffer[]): Buffer[] => {
  if (D.length === 1) return [];
  const k = split(D.length);
  return m < k ? [...PATH(m, D.slice(0, k)), MTH(D.slice(k))] : [...PATH(m - k, D.slice(k)), MTH(D.slice(0, k))];
};
const SUBPROOF = (m: number, D: Buffer[], b: boolean): Buffer[] => {
  if (m === D.length) return b ? [] : [MTH(D)];
  const k = split(D.length);
  return m <= k ? [...SUBPROOF(m, D.slice(0, k), b), MTH(D.slice(k))] : [...SUBPROOF(m - k, D.slice(k), false), MTH(D.slice(0, k))];
};
const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

/** Checks a signed checkpoint note with the verifier key alone, with node:crypto directly. */
function independentlyVerified(note: string, vkey: string): { origin: string; size: number; root: Buffer } {
  const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey)!;
  const [text, sigs] = note.split('\n\n');
  const sig = Buffer.from(/^— (\S+) (\S+)$/u.exec(sigs.trim())![2], 'base64');
  expect(sig.subarray(0, 4).toString('hex')).toBe(id);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key, 'base64').subarray(1)]);
  expect(edVerify(null, Buffer.from(`${text}\n`), createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig.subarray(4))).toBe(true);
  const [origin, size, root] = text.split('\n');
  expect(origin).toBe(name);
  return { origin, size: Number(size), root: Buffer.from(root, 'base64') };
}

describe('signed Merkle log (RFC 9162 tree, C2SP checkpoints, proofs, evidence)', () => {
  let t: TestApp;
  let programmeId: string;
  const applicationIds: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ipstd-signed-log-'));
  const chief = () => t.token({ role: 'auditor', sub: 'auditor-national' });
  const cityAuditor = () => t.token({ role: 'auditor', city: '320500', sub: 'auditor-sz' });
  let vkey: string;

  /** The leaf data of every stored event, by global position, straight from es_events. */
  const storedLeaves = async (): Promise<Array<{ position: number; eventId: string; data: Buffer }>> =>
    (await t.db.pool.query<{ global_position: string; event_id: string; hash: string }>('select global_position, event_id, hash from es_events order by global_position')).rows.map((r) => ({
      position: Number(r.global_position),
      eventId: r.event_id,
      data: Buffer.from(r.hash, 'hex'),
    }));
  const checkpoint = async (token = chief()) => {
    const response = await t.http.get('/v1/audit/checkpoint').set(bearer(token)).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return response.text;
  };
  const save = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const download = (token: string) => t.http.get('/v1/audit/export').set(bearer(token)).buffer(true).parse(asText);
  const run = (cli: string, args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201)).body.programmeId;
    applicationIds.push(...(await submitApplications(t, programmeId, 5, DISTRICTS, 2)));
    expect(await t.app.get(LogSealer).sealNow()).toHaveLength(1);
    vkey = (await t.http.get('/v1/audit/keys').set(bearer(chief())).expect(200)).body.keys[0].verifierKey;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the signing key in DATA_DIR (mode 0600), outside the database, and lists its verifier key', async () => {
    const stat = statSync(defaultLogSigningKeyPath(t.config.dataDir));
    expect(stat.mode & 0o777).toBe(0o600);
    const body = (await t.http.get('/v1/audit/keys').set(bearer(cityAuditor())).expect(200)).body;
    expect(body).toEqual({ origin: 'ipstd-funding/audit-log', keys: [{ verifierKey: vkey, algorithm: 'ed25519', status: 'current' }], witnesses: [] });
    expect(parseVerifierKey(vkey).name).toBe('ipstd-funding/audit-log');
    const { rows } = await t.db.pool.query("select count(*)::int as n from information_schema.columns where table_name like 'audit_merkle%' and data_type = 'text' and column_name like '%key%'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of es_events (append-only trigger), to every role that does not switch triggers off', async () => {
    for (const sql of ['update es_events set data = data', 'delete from es_events where global_position = 1', 'truncate es_events cascade']) {
      await expect(t.db.pool.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('es_events is append-only') });
    }
    await expect(t.db.pool.query('update es_streams set revision = revision')).resolves.toBeDefined();
  });

  it('signs a checkpoint of the tree over every stored event, which the public key alone verifies', async () => {
    const note = await checkpoint();
    const leaves = await storedLeaves();
    const c = independentlyVerified(note, vkey);
    expect(c.size).toBe(leaves.length);
    expect(c.root.equals(MTH(leaves.map((l) => l.data)))).toBe(true);
    expect(openCheckpoint(note, [parseVerifierKey(vkey)]).size).toBe(BigInt(leaves.length));
    // Deterministic: the same tree gives the same note; a city auditor reads it too; other roles do not.
    expect(await checkpoint(cityAuditor())).toBe(note);
    await t.http.get('/v1/audit/checkpoint').set(bearer(t.token({ role: 'programme-admin', city: '320500' }))).expect(403);
    await t.http.get('/v1/audit/checkpoint').expect(401);
  });

  it('serves inclusion and consistency proofs equal to the naive RFC 9162 ones', async () => {
    const leaves = await storedLeaves();
    const D = leaves.map((l) => l.data);
    const n = D.length;
    for (const m of [0, 1, 2, Math.floor(n / 2), n - 2, n - 1]) {
      for (const size of [m + 1, n]) {
        const body = (await t.http.get(`/v1/audit/proofs/inclusion?position=${leaves[m].position}&treeSize=${size}`).set(bearer(chief())).expect(200)).body;
        expect(body).toEqual({ leafIndex: m, treeSize: size, proof: hex(PATH(m, D.slice(0, size))) });
      }
    }
    const latest = (await t.http.get(`/v1/audit/proofs/inclusion?position=${leaves[3].position}`).set(bearer(cityAuditor())).expect(200)).body;
    expect(latest.treeSize).toBe(n);
    for (const [from, to] of [[1, n], [2, n], [3, 7], [7, 8], [8, n], [n, n], [n - 1, n]]) {
      const body = (await t.http.get(`/v1/audit/proofs/consistency?from=${from}&to=${to}`).set(bearer(chief())).expect(200)).body;
      expect(body).toEqual({ from, to, proof: hex(SUBPROOF(from, D.slice(0, to), true)) });
    }
  });

  it('advances incrementally as the log grows; the new checkpoint is consistent with the old one', async () => {
    const before = independentlyVerified(await checkpoint(), vkey);
    for (const i of [90, 91]) {
      const code = seededCreditCode(i, '320506');
      t.clock.advance(60_000);
      await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320506' })).expect(201);
    }
    const after = independentlyVerified(await checkpoint(), vkey);
    const leaves = await storedLeaves();
    expect(after.size).toBe(leaves.length);
    expect(after.size).toBeGreaterThan(before.size);
    const { proof } = (await t.http.get(`/v1/audit/proofs/consistency?from=${before.size}&to=${after.size}`).set(bearer(chief())).expect(200)).body;
    expect(verifyConsistency(BigInt(before.size), BigInt(after.size), before.root, after.root, proof.map((p: string) => Buffer.from(p, 'hex')))).toBe(true);
    // Each leaf stored once, at its position: no rebuild.
    const { rows } = await t.db.pool.query('select count(*)::int as leaves, count(distinct global_position)::int as positions from audit_merkle_leaves');
    expect(rows[0]).toEqual({ leaves: leaves.length, positions: leaves.length });
  });

  it('rebuilds the same tree from the log when its tables were emptied (a restore without them)', async () => {
    const kept = independentlyVerified(await checkpoint(), vkey);
    await t.db.pool.query('truncate audit_merkle_nodes, audit_merkle_leaves, audit_merkle_head');
    const again = independentlyVerified(await checkpoint(), vkey);
    expect({ size: again.size, root: again.root.toString('hex') }).toEqual({ size: kept.size, root: kept.root.toString('hex') });
  });

  it('advances in the background, following the log, when the module runs its workers', async () => {
    const tree = t.app.get(MerkleLog);
    await tree.start();
    try {
      const code = seededCreditCode(92, '320507');
      t.clock.advance(60_000);
      await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320507' })).expect(201);
      const { rows } = await t.db.pool.query('select count(*)::int as n from es_events');
      const started = Date.now();
      while ((await tree.head()).size !== BigInt(rows[0].n)) {
        if (Date.now() - started > 10_000) throw new Error('the tree did not follow the log');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await tree.stop();
    }
  });

  it.each([
    ['/v1/audit/proofs/inclusion?position=abc', 400, 'VALIDATION_FAILED'],
    ['/v1/audit/proofs/inclusion?position=-1', 400, 'VALIDATION_FAILED'],
    ['/v1/audit/proofs/inclusion?position=99999999999999999999', 400, 'VALIDATION_FAILED'],
    ['/v1/audit/proofs/inclusion', 400, 'VALIDATION_FAILED'],
    ['/v1/audit/proofs/inclusion?position=0', 404, 'LEAF_NOT_FOUND'],
    ['/v1/audit/proofs/inclusion?position=999999', 404, 'LEAF_NOT_FOUND'],
    ['/v1/audit/proofs/inclusion?position=2&treeSize=1', 400, 'PROOF_TREE_SIZE_INVALID'],
    ['/v1/audit/proofs/inclusion?position=1&treeSize=0', 400, 'PROOF_TREE_SIZE_INVALID'],
    ['/v1/audit/proofs/inclusion?position=1&treeSize=999999', 400, 'PROOF_TREE_SIZE_INVALID'],
    ['/v1/audit/proofs/consistency?from=0&to=3', 400, 'PROOF_RANGE_INVALID'],
    ['/v1/audit/proofs/consistency?from=4&to=3', 400, 'PROOF_RANGE_INVALID'],
    ['/v1/audit/proofs/consistency?from=1&to=999999', 400, 'PROOF_RANGE_INVALID'],
    ['/v1/audit/proofs/consistency?from=1.5&to=3', 400, 'VALIDATION_FAILED'],
    ['/v1/audit/proofs/consistency?to=3', 400, 'VALIDATION_FAILED'],
    ['/v1/audit/evidence/not-a-uuid', 400, 'ID_INVALID'],
    ['/v1/audit/evidence/00000000-0000-7000-8000-000000000000', 404, 'LEAF_NOT_FOUND'],
  ])('GET %s → %i %s (bilingual problem)', async (url, status, code) => {
    const response = await t.http.get(url).set(bearer(chief())).expect(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe(code);
    expect(response.body.zh ?? response.body.title_zh ?? JSON.stringify(response.body)).toMatch(/[\u4e00-\u9fff]/);
  });

  it('gives a single-event evidence bundle that the standalone script verifies with the verifier key alone', async () => {
    const [row] = (await t.db.pool.query<{ event_id: string }>("select event_id from es_events where event_type = 'ApplicationSubmitted' order by global_position limit 1")).rows;
    await t.http.get(`/v1/audit/evidence/${row.event_id}`).set(bearer(cityAuditor())).expect(403);
    const bundle = (await t.http.get(`/v1/audit/evidence/${row.event_id}`).set(bearer(chief())).expect(200)).body;
    expect(bundle).toMatchObject({ format: 'ipstd-audit-evidence', version: 1, event: { eventId: row.event_id } });
    const file = save('evidence.json', JSON.stringify(bundle));
    const ok = run(EVIDENCE_CLI, [file, vkey]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`OK: event ${row.event_id}`);
    expect(ok.stdout).toContain(bundle.checkpoint);
    // Key given as a file works too.
    expect(run(EVIDENCE_CLI, [file, save('vkey.txt', `${vkey}\n`)]).status).toBe(0);

    const altered = structuredClone(bundle);
    altered.event.data.profile.project.requestedAmountFen = 1;
    const forgedEvent = run(EVIDENCE_CLI, [save('altered.json', JSON.stringify(altered)), vkey]);
    expect([forgedEvent.status, forgedEvent.stdout]).toEqual([1, expect.stringContaining('FAILED: the event')]);
    const wrongIndex = run(EVIDENCE_CLI, [save('index.json', JSON.stringify({ ...bundle, leafIndex: bundle.leafIndex + 1 })), vkey]);
    expect(wrongIndex.status).toBe(1);
    const otherKey = vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(run(EVIDENCE_CLI, [file, otherKey]).status).toBe(2);
    const unsigned = run(EVIDENCE_CLI, [save('unsigned.json', JSON.stringify({ ...bundle, checkpoint: bundle.checkpoint.replace(/— (\S+) (\S+)/u, '— $1 AAAAAAAA') })), vkey]);
    expect(unsigned.status).toBe(1);
    expect(run(EVIDENCE_CLI, [join(dir, 'missing.json'), vkey]).status).toBe(2);
  });

  it('npm run verify checks a full export against a signed checkpoint and key the auditor supplies, and prints it', async () => {
    const note = await checkpoint();
    const exportFile = save('full.ndjson', (await download(chief()).expect(200)).body);
    const noteFile = save('checkpoint.txt', note);
    const ok = run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile, '--key', vkey]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('SIGNED CHECKPOINT VERIFIED');
    expect(ok.stdout).toContain(note.trimEnd());
    expect(ok.stdout).toMatch(/latest unsigned checkpoint: sequence 1, digest [0-9a-f]{64}/);
    expect(ok.stdout).toMatch(/tree head of the export's events \(RFC 9162\): size \d+, root \S+/);
    const json = JSON.parse(run(VERIFY_CLI, [exportFile, '--json', '--checkpoint', noteFile, '--key', vkey]).stdout);
    expect(json.signedCheckpoint).toMatchObject({ matches: true, size: independentlyVerified(note, vkey).size });
    // An older checkpoint checks against a newer export (its first N events).
    expect(run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile, '--key', vkey]).status).toBe(0);
    // A note edited after signing, a checkpoint signed by another key, a filtered export.
    expect(run(VERIFY_CLI, [exportFile, '--checkpoint', save('edited.txt', note.replace(/\n(\d+)\n/, (_, n) => `\n${Number(n) - 1}\n`)), '--key', vkey]).status).toBe(1);
    expect(run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile, '--key', 'not-a-key']).status).toBe(2);
    expect(run(VERIFY_CLI, [exportFile, '--checkpoint', noteFile]).status).toBe(2);
    const filtered = save('filtered.ndjson', (await download(cityAuditor()).expect(200)).body);
    expect(run(VERIFY_CLI, [filtered, '--checkpoint', noteFile, '--key', vkey]).status).toBe(2);
  });

  it('does not take in an event whose stored hash is not the hash of its fields: the checkpoint stops before it', async () => {
    const before = independentlyVerified(await checkpoint(), vkey);
    const code = seededCreditCode(93, '320505');
    t.clock.advance(60_000);
    await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320505' })).expect(201);
    const [last] = (await t.db.pool.query<{ event_id: string; data: unknown; global_position: string }>(
      "select event_id, data, global_position from es_events where event_type = 'ApplicationSubmitted' order by global_position desc limit 1",
    )).rows;
    await t.db.tamper(`update es_events set data = data || '{"forged": 1}'::jsonb where event_id = $1`, [last.event_id]);
    try {
      const response = await t.http.get('/v1/audit/checkpoint').set(bearer(chief())).expect(200);
      expect(response.headers['audit-tree-stalled']).toBe('true');
      const stalled = independentlyVerified(response.text, vkey);
      const { rows } = await t.db.pool.query('select count(*)::int as n from es_events where global_position < $1', [last.global_position]);
      expect(stalled.size).toBe(rows[0].n);
      expect(stalled.size).toBeGreaterThanOrEqual(before.size);
    } finally {
      await t.db.tamper('update es_events set data = $2 where event_id = $1', [last.event_id, JSON.stringify(last.data)]);
    }
    const resumed = await t.http.get('/v1/audit/checkpoint').set(bearer(chief())).expect(200);
    expect(resumed.headers['audit-tree-stalled']).toBeUndefined();
    expect(independentlyVerified(resumed.text, vkey).size).toBe((await storedLeaves()).length);
  });

  it('detects a full re-forge of the database (event rewritten, every hash, chain, digest and the tree recomputed) against a kept signed checkpoint', async () => {
    const kept = await checkpoint();
    const keptCheckpoint = independentlyVerified(kept, vkey);
    const keptFile = save('kept.txt', kept);
    const keptDigest = (await t.http.get('/v1/audit/integrity').set(bearer(chief())).expect(200)).body.lastCheckpoint.digest;
    expect(keptDigest).toMatch(/^[0-9a-f]{64}$/);

    // The attacker: rewrite one application's amount, then recompute everything the database holds.
    const target = (await t.db.pool.query<{ event_id: string }>('select event_id from es_events where stream_id = $1 and stream_revision = 0', [`application-${applicationIds[1]}`])).rows[0].event_id;
    const events: RecordedEvent[] = await t.runtime.store.readAll({ after: 0n, maxCount: 100_000 });
    const last = new Map<string, string>();
    const digestAfter = new Map<bigint, string>([[0n, GENESIS_DIGEST]]);
    let digest = GENESIS_DIGEST;
    for (const event of events) {
      let data = event.data as Record<string, unknown>;
      if (event.eventId === target) data = structuredClone(data) as Record<string, unknown>;
      if (event.eventId === target) ((data.profile as Record<string, Record<string, unknown>>).project).requestedAmountFen = 1;
      if (isCheckpointEvent(event)) {
        const c = data as unknown as LogCheckpointData;
        data = { ...c, previousDigest: digestAfter.get(BigInt(c.fromPosition))!, digest: digestAfter.get(BigInt(c.toPosition))! };
      }
      const previousHash = last.get(event.streamId) ?? null;
      const hash = hashEvent({ ...event, data, previousHash });
      await t.db.tamper('update es_events set data = $2::jsonb, previous_hash = $3, hash = $4 where event_id = $1', [event.eventId, JSON.stringify(data), previousHash, hash]);
      last.set(event.streamId, hash);
      digest = nextDigest(digest, { globalPosition: event.globalPosition, eventId: event.eventId, hash });
      digestAfter.set(event.globalPosition, digest);
    }
    for (const [streamId, hash] of last) await t.db.pool.query('update es_streams set last_hash = $2 where stream_id = $1', [streamId, hash]);
    await t.db.pool.query('delete from audit_merkle_nodes; delete from audit_merkle_leaves');
    await t.db.pool.query("update audit_merkle_head set tree_size = 0, last_position = 0, root = decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex')");

    // The forge is complete: the database's own checks pass (with a new unsigned digest), and the server signs the forged tree.
    const forgedIntegrity = (await t.http.get('/v1/audit/integrity').set(bearer(chief())).expect(200)).body;
    expect(forgedIntegrity).toMatchObject({ ok: true, checkpointsChecked: 1, lastCheckpoint: { sequence: 1 } });
    expect(forgedIntegrity.lastCheckpoint.digest).not.toBe(keptDigest);
    const forged = independentlyVerified(await checkpoint(), vkey);
    expect(forged.size).toBe(keptCheckpoint.size);
    expect(forged.root.equals(keptCheckpoint.root)).toBe(false);

    // Detected against the kept checkpoint: offline, by consistency proof, and by evidence.
    const exportFile = save('forged.ndjson', (await download(chief()).expect(200)).body);
    const offline = run(VERIFY_CLI, [exportFile, '--checkpoint', keptFile, '--key', vkey]);
    expect(offline.status).toBe(1);
    expect(offline.stdout).toContain('CHECKPOINT MISMATCH');
    const { proof } = (await t.http.get(`/v1/audit/proofs/consistency?from=${keptCheckpoint.size}&to=${forged.size}`).set(bearer(chief())).expect(200)).body;
    expect(verifyConsistency(BigInt(keptCheckpoint.size), BigInt(forged.size), keptCheckpoint.root, forged.root, proof.map((p: string) => Buffer.from(p, 'hex')))).toBe(false);
    const bundle = (await t.http.get(`/v1/audit/evidence/${target}`).set(bearer(chief())).expect(200)).body;
    expect(run(EVIDENCE_CLI, [save('forged-evidence.json', JSON.stringify(bundle)), vkey]).status).toBe(0);
    const againstKept = run(EVIDENCE_CLI, [save('forged-vs-kept.json', JSON.stringify({ ...bundle, checkpoint: kept })), vkey]);
    expect(againstKept.status).toBe(1);
    expect(againstKept.stdout).toContain('does not lead to the signed root');
  });
});
