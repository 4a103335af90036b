// Imported by path rather than '@ipstd/audit' so that verifying a file loads no server code.
import { BrokenLink, ExportFormatError, verifyExportFile } from '../libs/audit/src/verify';

const USAGE = `usage: npm run verify -- FILE [--json]
Verifies an NDJSON audit export (GET /v1/audit/export) offline, without a database.
Exit status: 0 intact, 1 a broken link was found, 2 the file cannot be read as an export.`;

const describe = (link: BrokenLink) =>
  `${link.kind} at ${[
    link.streamId !== null ? `stream ${link.streamId}` : null,
    link.revision !== null ? `revision ${link.revision}` : null,
    link.globalPosition !== null ? `position ${link.globalPosition}` : null,
    link.eventId !== null ? `event ${link.eventId}` : null,
  ]
    .filter(Boolean)
    .join(', ') || 'the file'}: ${link.detail}`;

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--');
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length !== 1 || files[0].startsWith('-')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let result;
  try {
    result = await verifyExportFile(files[0]);
  } catch (error) {
    if (!(error instanceof ExportFormatError)) throw error;
    process.stderr.write(`unreadable export: ${error.message}\n`);
    return 2;
  }
  const { header, report } = result;
  if (json) {
    process.stdout.write(`${JSON.stringify({ header, report }, null, 2)}\n`);
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
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`verify failed: ${(error as Error).stack ?? error}\n`);
    process.exit(2);
  },
);
