import type { EventMetadata, RecordedEvent } from '@ipstd/event-store';
import { LogVerifier, VerificationReport } from './verifier';

export const EXPORT_FORMAT = 'ipstd-audit-export';
export const EXPORT_VERSION = 1;
export const EXPORT_CONTENT_TYPE = 'application/x-ndjson';

/** What an export was asked for and what it therefore holds. */
export interface ExportFilter {
  /** Inclusive lower bound on recordedAt (ISO-8601), or null. */
  readonly from: string | null;
  /** Exclusive upper bound on recordedAt (ISO-8601), or null. */
  readonly to: string | null;
  readonly programmeId: string | null;
  /** Streams of this city only (auditors scoped to a city); null for the whole log. */
  readonly city: string | null;
}

/** Line 1 of an export. */
export interface ExportHeader {
  readonly kind: 'header';
  readonly format: typeof EXPORT_FORMAT;
  readonly version: number;
  readonly exportedAt: string;
  /** full: every event of the log up to the export's head, checkpoint digests verifiable; filtered: a selection. */
  readonly scope: 'full' | 'filtered';
  /** Every stream in the export starts at revision 0 (no time bound). */
  readonly completeStreams: boolean;
  readonly filter: ExportFilter;
}

/** A stored event as exported: the full envelope, positions as JSON numbers. */
export interface EnvelopeJson {
  readonly globalPosition: number;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly previousHash: string | null;
  readonly hash: string;
}

export type ExportLine =
  | ExportHeader
  | { readonly kind: 'event'; readonly event: EnvelopeJson }
  | { readonly kind: 'checkpoint'; readonly event: EnvelopeJson }
  /** Last line: its absence tells a truncated file. */
  | { readonly kind: 'end'; readonly events: number; readonly checkpoints: number };

/** The input is not an export this verifier can read (not a verification failure). */
export class ExportFormatError extends Error {
  constructor(message: string, readonly line: number | null = null) {
    super(line === null ? message : `line ${line}: ${message}`);
  }
}

export function envelopeJson(event: RecordedEvent): EnvelopeJson {
  return {
    globalPosition: Number(event.globalPosition),
    streamId: event.streamId,
    revision: Number(event.revision),
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
    previousHash: event.previousHash,
    hash: event.hash,
  };
}

export function exportLine(line: ExportLine): string {
  return `${JSON.stringify(line)}\n`;
}

function recordedEventOf(value: unknown, line: number): RecordedEvent {
  const e = value as Partial<Record<keyof EnvelopeJson, unknown>> | null;
  const fail = (field: string) => new ExportFormatError(`event envelope: ${field} is missing or has the wrong type`, line);
  if (!e || typeof e !== 'object') throw fail('event');
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  for (const field of ['streamId', 'eventId', 'type', 'recordedAt', 'hash'] as const) if (typeof e[field] !== 'string') throw fail(field);
  for (const field of ['globalPosition', 'revision', 'schemaVersion'] as const) if (!count(e[field])) throw fail(field);
  if (e.previousHash !== null && typeof e.previousHash !== 'string') throw fail('previousHash');
  if (!e.metadata || typeof e.metadata !== 'object') throw fail('metadata');
  if (!('data' in e)) throw fail('data');
  return {
    globalPosition: BigInt(e.globalPosition as number),
    streamId: e.streamId as string,
    revision: BigInt(e.revision as number),
    eventId: e.eventId as string,
    type: e.type as string,
    schemaVersion: e.schemaVersion as number,
    recordedAt: e.recordedAt as string,
    data: e.data,
    metadata: e.metadata as EventMetadata,
    previousHash: e.previousHash as string | null,
    hash: e.hash as string,
  };
}

type ParsedLine =
  | { kind: 'header'; header: ExportHeader }
  | { kind: 'event' | 'checkpoint'; event: RecordedEvent }
  | { kind: 'end'; events: number; checkpoints: number };

function parseLine(text: string, line: number): ParsedLine {
  let value: { kind?: unknown; event?: unknown; events?: unknown; checkpoints?: unknown };
  try {
    value = JSON.parse(text);
  } catch {
    throw new ExportFormatError('not JSON', line);
  }
  if (!value || typeof value !== 'object') throw new ExportFormatError('not a JSON object', line);
  switch (value.kind) {
    case 'header': {
      const h = value as Partial<ExportHeader>;
      if (h.format !== EXPORT_FORMAT) throw new ExportFormatError(`not an ${EXPORT_FORMAT} file`, line);
      if (h.version !== EXPORT_VERSION) throw new ExportFormatError(`format version ${String(h.version)} is not supported (this verifier reads ${EXPORT_VERSION})`, line);
      if (h.scope !== 'full' && h.scope !== 'filtered') throw new ExportFormatError('header: scope must be full or filtered', line);
      return { kind: 'header', header: h as ExportHeader };
    }
    case 'event':
    case 'checkpoint':
      return { kind: value.kind, event: recordedEventOf(value.event, line) };
    case 'end':
      if (typeof value.events !== 'number' || typeof value.checkpoints !== 'number') throw new ExportFormatError('end: counts missing', line);
      return { kind: 'end', events: value.events, checkpoints: value.checkpoints };
    default:
      throw new ExportFormatError(`unknown line kind ${JSON.stringify(value.kind)}`, line);
  }
}

async function* parsed(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ParsedLine & { line: number }> {
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    const p = parseLine(text, n);
    if (n === 1 ? p.kind !== 'header' : p.kind === 'header') throw new ExportFormatError(n === 1 ? 'the first line must be the header' : 'a second header', n);
    yield { ...p, line: n };
  }
  if (n === 0) throw new ExportFormatError('the file is empty');
}

export interface ExportVerification {
  readonly header: ExportHeader;
  readonly report: VerificationReport;
}

/**
 * Verifies an export. The lines are read twice: once for the header, the checkpoints and the
 * trailer, then for the events, so memory stays flat however large the export. `openLines` must
 * give the same lines each time it is called. Throws ExportFormatError on input that is not an
 * export; a readable export that fails a check gives a report with ok false.
 */
export async function verifyExport(
  openLines: () => AsyncIterable<string> | Iterable<string>,
  options: { readonly onEvent?: (event: RecordedEvent) => void } = {},
): Promise<ExportVerification> {
  let header: ExportHeader | null = null;
  const checkpoints: RecordedEvent[] = [];
  let end: { events: number; checkpoints: number; line: number } | null = null;
  let events = 0;
  for await (const p of parsed(openLines())) {
    if (end) throw new ExportFormatError('lines after the end line', p.line);
    if (p.kind === 'header') header = p.header;
    else if (p.kind === 'checkpoint') checkpoints.push(p.event);
    else if (p.kind === 'event') events += 1;
    else if (p.kind === 'end') end = p;
  }
  if (!header) throw new ExportFormatError('no header');
  const verifier = new LogVerifier(checkpoints, { completeLog: header.scope === 'full', completeStreams: header.completeStreams === true });
  for await (const p of parsed(openLines())) {
    if (p.kind !== 'event') continue;
    verifier.add(p.event);
    options.onEvent?.(p.event);
  }
  const incomplete = (detail: string) => verifier.report({ kind: 'export-incomplete', streamId: null, revision: null, globalPosition: null, eventId: null, detail });
  if (!end) incomplete('the file has no end line: it was truncated');
  else if (end.events !== events || end.checkpoints !== checkpoints.length) {
    incomplete(`the end line counts ${end.events} events and ${end.checkpoints} checkpoints; the file holds ${events} and ${checkpoints.length}`);
  }
  return { header, report: verifier.finish() };
}
