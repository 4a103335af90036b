// Imported by path rather than '@ipstd/audit' so that verifying a file loads no server code.
import { existsSync, readFileSync } from 'node:fs';
import {
  BrokenLink,
  Checkpoint,
  CosignerKey,
  WitnessReport,
  parseCosignerKey,
  parseSm2VerifierKey,
  sm2KeyNameOf,
  verifySm2Line,
  witnessReport,
  EMPTY_ROOT,
  ExportFormatError,
  MerkleFrontier,
  NoteError,
  LogCheckpointData,
  VerifierKey,
  checkpointDataOf,
  isCheckpointEvent,
  leafDataOfHash,
  openCheckpoint,
  parseVerifierKey,
  verifyExportFile,
} from '../libs/audit/src/verify';

const USAGE = `usage: npm run verify -- FILE [--checkpoint NOTE_FILE --key VERIFIER_KEY|KEY_FILE [--sm2-key SM2_VERIFIER_KEY|KEY_FILE] [--witness-key COSIGNER_KEY|KEY_FILE]...] [--json]
Verifies an NDJSON audit export (GET /v1/audit/export) offline, without a database, and prints the
RFC 9162 tree head (size, root) of its events. With --checkpoint and --key (both obtained by the
auditor, not from the export), also checks that the export's first N events form exactly the tree
of the signed checkpoint (size N), and prints the checkpoint it verified. Witness cosignature lines
of the note are reported; each --witness-key (a C2SP tlog-cosignature key, name+hexkeyid+base64)
has its line verified, and a line by a given witness key that is missing or does not verify fails.
With --sm2-key (the log's SM2 verifier key), the note's SM2/SM3 signature line must verify too.
Exit status: 0 intact, 1 a broken link was found or the checkpoint or a witness cosignature does not
match or verify, 2 the file, the checkpoint or a key cannot be read.`;

const describe = (link: BrokenLink) =>
  `${link.kind} at ${[
    link.streamId !== null ? `stream ${link.streamId}` : null,
    link.revision !== null ? `revision ${link.revision}` : null,
    link.globalPosition !== null ? `position ${link.globalPosition}` : null,
    link.eventId !== null ? `event ${link.eventId}` : null,
  ]
    .filter(Boolean)
    .join(', ') || 'the file'}: ${link.detail}`;

/** Every value of a repeatable option. */
function options(args: string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  let rest = args;
  for (let o = option(rest, name); o.value !== null; o = option(rest, name)) {
    values.push(o.value);
    rest = o.rest;
  }
  return { values, rest };
}

function option(args: string[], name: string): { value: string | null; rest: string[] } {
  const at = args.indexOf(name);
  if (at < 0) return { value: null, rest: args };
  return { value: args[at + 1] ?? '', rest: [...args.slice(0, at), ...args.slice(at + 2)] };
}

/** The auditor's checkpoint and key; the note's signature must verify with the key. */
function signedCheckpoint(noteFile: string, keyArg: string): { checkpoint: Checkpoint & { verifiedBy: string[] }; key: VerifierKey; note: string } | { error: string; code: number } {
  let key: VerifierKey;
  let note: string;
  try {
    key = parseVerifierKey(existsSync(keyArg) ? readFileSync(keyArg, 'utf8') : keyArg);
    note = readFileSync(noteFile, 'utf8');
  } catch (error) {
    return { error: `unreadable checkpoint or key: ${(error as Error).message}`, code: 2 };
  }
  try {
    return { checkpoint: openCheckpoint(note, [key]), key, note };
  } catch (error) {
    if (error instanceof NoteError) return { error: `checkpoint rejected: ${error.message}`, code: 1 };
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  let args = argv.filter((a) => a !== '--');
  const json = args.includes('--json');
  args = args.filter((a) => a !== '--json');
  const cp = option(args, '--checkpoint');
  const k = option(cp.rest, '--key');
  const w = options(k.rest, '--witness-key');
  const sm = option(w.rest, '--sm2-key');
  const files = sm.rest;
  if (files.length !== 1 || files[0].startsWith('-') || (cp.value === null) !== (k.value === null) || cp.value === '' || k.value === '' || ((w.values.length > 0 || sm.value !== null) && cp.value === null) || w.values.includes('') || sm.value === '') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const signed = cp.value !== null ? signedCheckpoint(cp.value, k.value!) : null;
  if (signed && 'error' in signed) {
    process.stderr.write(`${signed.error}\n`);
    return signed.code;
  }
  let witnesses: WitnessReport | null = null;
  let witnessKeys: CosignerKey[] = [];
  if (signed) {
    try {
      witnessKeys = w.values.map((v) => parseCosignerKey(existsSync(v) ? readFileSync(v, 'utf8') : v));
    } catch (error) {
      process.stderr.write(`unreadable witness key: ${(error as Error).message}\n`);
      return 2;
    }
    witnesses = witnessReport(signed.note, witnessKeys, [...signed.checkpoint.verifiedBy, sm2KeyNameOf(signed.checkpoint.origin)]);
  }
  // The SM2/SM3 line: verified with --sm2-key; otherwise only reported.
  let sm2: { key: string | null; present: boolean; verified: boolean | null; error: string | null } | null = null;
  if (signed) {
    const present = signed.note.includes(`\n— ${sm2KeyNameOf(signed.checkpoint.origin)} `);
    sm2 = { key: null, present, verified: null, error: null };
    if (sm.value !== null) {
      let key;
      try {
        key = parseSm2VerifierKey(existsSync(sm.value) ? readFileSync(sm.value, 'utf8') : sm.value);
      } catch (error) {
        process.stderr.write(`unreadable SM2 key: ${(error as Error).message}\n`);
        return 2;
      }
      sm2.key = key.text;
      try {
        verifySm2Line(signed.note, key);
        sm2.verified = true;
      } catch (error) {
        if (!(error instanceof NoteError)) throw error;
        sm2.verified = false;
        sm2.error = error.message;
      }
    }
  }
  const witnessesOk = !witnesses || (witnesses.failed.length === 0 && witnessKeys.every((key) => witnesses!.verified.some((c) => c.name === key.name && c.keyId === key.keyId)));
  // The RFC 9162 tree over the export's events, in file order; the root at the checkpoint's size is kept.
  const frontier = new MerkleFrontier();
  const wanted = signed ? signed.checkpoint.size : null;
  let rootAtCheckpoint: Buffer | null = wanted === 0n ? EMPTY_ROOT : null;
  let badLeaf: string | null = null;
  let lastCheckpoint: LogCheckpointData | null = null;
  let result;
  try {
    result = await verifyExportFile(files[0], {
      onEvent: (event) => {
        if (isCheckpointEvent(event)) lastCheckpoint = checkpointDataOf(event) ?? lastCheckpoint;
        if (badLeaf) return;
        try {
          frontier.append(leafDataOfHash(event.hash));
        } catch {
          badLeaf = `event ${event.eventId} at position ${event.globalPosition} has no SHA-256 hash`;
          return;
        }
        if (frontier.size === wanted) rootAtCheckpoint = frontier.root();
      },
    });
  } catch (error) {
    if (!(error instanceof ExportFormatError)) throw error;
    process.stderr.write(`unreadable export: ${error.message}\n`);
    return 2;
  }
  const { header, report } = result;
  if (signed && header.scope !== 'full') {
    process.stderr.write('a signed checkpoint covers the whole log: check it against a full export (no filters, an auditor without a city)\n');
    return 2;
  }
  const tree = badLeaf ? null : { size: Number(frontier.size), root: frontier.root().toString('base64') };
  const checkpointMatches = signed ? !badLeaf && rootAtCheckpoint !== null && (rootAtCheckpoint as Buffer).equals(signed.checkpoint.root) : null;
  const checkpointJson = signed
    ? {
        origin: signed.checkpoint.origin,
        size: Number(signed.checkpoint.size),
        root: signed.checkpoint.root.toString('base64'),
        verifiedBy: signed.key.text,
        matches: checkpointMatches,
        note: signed.note,
        sm2,
        witnesses: {
          verified: witnesses!.verified.map((c) => ({ name: c.name, timestamp: Number(c.timestamp), time: new Date(Number(c.timestamp) * 1000).toISOString() })),
          failed: witnesses!.failed,
          missing: witnessKeys.filter((key) => !witnesses!.verified.some((c) => c.name === key.name && c.keyId === key.keyId) && !witnesses!.failed.some((f) => f.name === key.name)).map((key) => key.name),
          unverified: witnesses!.unknown,
        },
      }
    : null;
  if (json) {
    const last = lastCheckpoint as LogCheckpointData | null;
    const anchor = header.scope === 'full' && last ? { sequence: last.sequence, toPosition: last.toPosition, digest: last.digest } : null;
    process.stdout.write(`${JSON.stringify({ header, report, tree, lastCheckpoint: anchor, signedCheckpoint: checkpointJson }, null, 2)}\n`);
  } else {
    const f = header.filter;
    const out = [
      `export of ${header.exportedAt}, scope ${header.scope}` +
        (header.scope === 'filtered' ? ` (from ${f.from ?? '-'} to ${f.to ?? '-'}, programme ${f.programmeId ?? '-'}, city ${f.city ?? '-'})` : ''),
      `events checked: ${report.eventsChecked} in ${report.streamsChecked} streams`,
      header.scope === 'full'
        ? `checkpoint digests recomputed: ${report.checkpointsChecked}; sealed up to position ${report.sealedUpTo}; unsealed events: ${report.unsealedEvents}`
        : `checkpoints included: ${report.checkpointsSeen} (own hashes and sequence checked; digests need a full export)`,
    ];
    if (report.ok) out.push('OK: every hash, stream chain' + (header.scope === 'full' ? ' and checkpoint digest' : '') + ' holds');
    else {
      out.push(`BROKEN: ${describe(report.firstBrokenLink!)}`);
      if (report.problems.length > 1) out.push(`${report.problems.length - 1} more problem(s)${report.problemsTruncated ? ' (list truncated)' : ''}:`, ...report.problems.slice(1, 20).map((p) => `  - ${describe(p)}`));
    }
    if (header.scope === 'full' && report.checkpointsChecked > 0) {
      const last = lastCheckpoint as { sequence: number; digest: string } | null;
      if (last) out.push(`latest unsigned checkpoint: sequence ${last.sequence}, digest ${last.digest}`);
    }
    if (tree) out.push(`tree head of the export's events (RFC 9162): size ${tree.size}, root ${tree.root}`);
    else out.push(`no tree head: ${badLeaf}`);
    if (signed) {
      const c = signed.checkpoint;
      if (checkpointMatches) {
        out.push(
          `SIGNED CHECKPOINT VERIFIED: signature by ${signed.key.text}; the export's first ${c.size} events form exactly the signed tree (size ${c.size}, root ${c.root.toString('base64')})` +
            (frontier.size > c.size ? `; the ${frontier.size - c.size} later events are not covered by it` : ''),
          'verified checkpoint:',
          signed.note.trimEnd(),
        );
      } else if (frontier.size < c.size) {
        out.push(`CHECKPOINT MISMATCH: the checkpoint signs ${c.size} events, the export holds only ${frontier.size}: events were removed`);
      } else {
        out.push(`CHECKPOINT MISMATCH: the export's first ${c.size} events do not form the signed tree (root ${c.root.toString('base64')}): the log was altered since that checkpoint was signed`);
      }
      if (sm2!.verified === true) out.push(`SM2 SIGNATURE VERIFIED: the SM2/SM3 line by ${sm2!.key}`);
      else if (sm2!.verified === false) out.push(`SM2 SIGNATURE INVALID: ${sm2!.error}`);
      else if (sm2!.present) out.push('an SM2/SM3 signature line is present, not verified (give --sm2-key)');
      const wj = checkpointJson!.witnesses;
      for (const v of wj.verified) out.push(`WITNESS COSIGNATURE VERIFIED: ${v.name} cosigned this checkpoint at ${v.time} (it had found it consistent with every earlier checkpoint it saw)`);
      for (const f of wj.failed) out.push(`WITNESS COSIGNATURE INVALID: ${f.name}: ${f.reason}`);
      for (const m of wj.missing) out.push(`WITNESS COSIGNATURE MISSING: the note carries no cosignature by ${m}`);
      if (wj.unverified.length) out.push(`witness lines not verified (no --witness-key given for them): ${wj.unverified.join(', ')}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return report.ok && checkpointMatches !== false && witnessesOk && sm2?.verified !== false ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`verify failed: ${(error as Error).stack ?? error}\n`);
    process.exit(2);
  },
);
