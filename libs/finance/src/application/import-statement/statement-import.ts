import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { Clock, IdGenerator, shanghaiDate } from '@ipstd/kernel';
import { EVENT_STORE, EventStore, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@ipstd/event-store';
import { CLOCK, CommandContext, ID_GENERATOR, PG_POOL, ProblemException, readEventOf } from '@ipstd/platform';
import {
  ParseOutcome,
  RecordedStatementRow,
  STATEMENT_CHUNK_ROWS,
  STATEMENT_EVENTS,
  StatementEvent,
  StatementParser,
  canonicalRowText,
  statementIdFor,
  statementPeriod,
  statementStreamId,
} from '../../domain';
import { StatementTokenizer } from './statement-tokenizer';

/** Largest statement accepted (bytes of the request body). 100,000 rows take about 7 MB. */
export const STATEMENT_MAX_BYTES = 10 * 1024 * 1024;
/** Longest record accepted; a longer one is reported and stops the check without being buffered. */
export const STATEMENT_MAX_LINE_BYTES = 4096;
/** Problems listed in a refusal; all are counted. */
export const STATEMENT_MAX_LISTED_PROBLEMS = 1000;

export interface StatementImportInput {
  readonly city: string;
  readonly fileName: string | null;
  /** The request body as it arrives. */
  readonly body: AsyncIterable<Buffer | string>;
  /** Content-Length, when the client declared one. */
  readonly declaredBytes: number | null;
  readonly context: CommandContext;
}

/** The first import's StatementImported, as every upload of the same content is answered. */
export interface StatementImportResult {
  readonly statementId: string;
  readonly city: string;
  readonly fileSha256: string;
  readonly contentSha256: string | null;
  readonly fileBytes: number;
  readonly rowCount: number;
  readonly chunkCount: number;
  readonly debit: { readonly count: number; readonly totalFen: number };
  readonly credit: { readonly count: number; readonly totalFen: number };
  readonly period: { readonly from: string; readonly to: string };
  readonly importedAt: string;
}

export interface StatementImportOutcome {
  readonly result: StatementImportResult;
  /** True when this upload appended StatementImported (201); false when the content was already imported (200). */
  readonly created: boolean;
}

type ImportedData = Extract<StatementEvent, { type: 'StatementImported' }>['data'];

export const tooLarge = () =>
  new ProblemException(HttpStatus.PAYLOAD_TOO_LARGE, 'STATEMENT_TOO_LARGE', {
    zh: `对账单文件超过 ${STATEMENT_MAX_BYTES / 1024 / 1024} MB 上限`,
    en: `The statement exceeds the ${STATEMENT_MAX_BYTES / 1024 / 1024} MB limit`,
  }, { maxBytes: STATEMENT_MAX_BYTES });

/**
 * Imports a statement in two passes without holding the file in memory: the body is read as a
 * stream, split into lines and checked row by row while valid rows are spooled to a temporary
 * file; only if every row is valid is the spool read back and appended in chunks of ≤ 1000 rows,
 * followed by StatementImported, the event that completes the import.
 */
@Injectable()
export class StatementImporter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async import(input: StatementImportInput): Promise<StatementImportOutcome> {
    if (input.declaredBytes !== null && input.declaredBytes > STATEMENT_MAX_BYTES) throw tooLarge();
    const dir = mkdtempSync(join(tmpdir(), 'ipstd-statement-'));
    try {
      const spoolPath = join(dir, 'rows.ndjson');
      const today = shanghaiDate(this.clock.now());
      const { outcome, sha256, contentSha256, bytes } = await this.readAndSpool(input.body, spoolPath, today);
      if (outcome.problemCount > 0) throw refused(outcome);
      const statementId = statementIdFor(input.city, contentSha256);
      const last = await this.store.readStream(statementStreamId(statementId), { direction: 'backwards', maxCount: 1 });
      const imported = last.length > 0 ? importedData(last[0]) : null;
      if (imported) return { result: resultOf(imported), created: false };
      if (last.length === 0) {
        const legacy = await this.legacyImport(input.city, sha256);
        if (legacy) return { result: resultOf(legacy), created: false };
      }
      return await this.append(input, spoolPath, outcome, { statementId, fileSha256: sha256, contentSha256, fileBytes: bytes }, last.length > 0 ? last[0].revision : null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A statement with the same bytes imported before statement ids were derived from the content (random id). */
  private async legacyImport(city: string, fileSha256: string): Promise<ImportedData | null> {
    const { rows } = await this.pool
      .query<{ statement_id: string }>('select statement_id from rm_finance_statements where city = $1 and file_sha256 = $2 order by global_position limit 1', [city, fileSha256])
      .catch(() => ({ rows: [] as { statement_id: string }[] }));
    if (rows.length === 0) return null;
    const last = await this.store.readStream(statementStreamId(rows[0].statement_id), { direction: 'backwards', maxCount: 1 });
    return last.length > 0 ? importedData(last[0]) : null;
  }

  private async readAndSpool(
    body: AsyncIterable<Buffer | string>,
    spoolPath: string,
    today: string,
  ): Promise<{ outcome: ParseOutcome; sha256: string; contentSha256: string; bytes: number }> {
    const parser = new StatementParser({ maxProblems: STATEMENT_MAX_LISTED_PROBLEMS, today });
    const hash = createHash('sha256');
    const content = createHash('sha256');
    const spool = createWriteStream(spoolPath, { encoding: 'utf8' });
    let buffered = '';
    let bytes = 0;
    let lastLine = 1;
    const tokenizer = new StatementTokenizer(
      {
        record: (line, fields) => {
          lastLine = Math.max(lastLine, line);
          const row = parser.record(line, fields);
          if (parser.hasProblems) {
            buffered = '';
            return;
          }
          if (row) {
            buffered += `${JSON.stringify(row)}\n`;
            content.update(`${canonicalRowText(row)}\n`);
          }
        },
        failed: (line, failure) => {
          lastLine = Math.max(lastLine, line);
          parser.report(line, '*', failure);
        },
      },
      STATEMENT_MAX_LINE_BYTES,
    );
    const flush = async (force: boolean) => {
      if (parser.hasProblems) buffered = '';
      if ((buffered.length < 64 * 1024 && !force) || buffered.length === 0) return;
      const text = buffered;
      buffered = '';
      if (!spool.write(text)) await once(spool, 'drain');
    };

    try {
      for await (const piece of body) {
        const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
        bytes += chunk.length;
        if (bytes > STATEMENT_MAX_BYTES) throw tooLarge();
        hash.update(chunk);
        // After a quoting error the rest is still read (and counted against the limit), not split.
        await tokenizer.write(chunk);
        await flush(false);
      }
      await tokenizer.end();
      await flush(true);
    } finally {
      await closeStream(spool);
    }
    return { outcome: parser.finish(lastLine), sha256: hash.digest('hex'), contentSha256: content.digest('hex'), bytes };
  }

  /**
   * Appends the rows in chunks, then StatementImported. Every upload of the same content writes the
   * same chunk at the same revision, so concurrent uploads cooperate: whoever loses a race for a
   * revision skips to the stream's end and carries on; whoever appends StatementImported has created
   * the statement, everyone else answers with that event. An import left unfinished by a crash is
   * completed by the next upload of the file.
   */
  private async append(
    input: StatementImportInput,
    spoolPath: string,
    outcome: ParseOutcome,
    ids: { statementId: string; fileSha256: string; contentSha256: string; fileBytes: number },
    startRevision: bigint | null,
  ): Promise<StatementImportOutcome> {
    const { statementId } = ids;
    const streamId = statementStreamId(statementId);
    /** The stream's last revision as far as this upload knows (chunk k is revision k). */
    let written: bigint | null = startRevision;
    const write = async (event: StatementEvent, revision: bigint): Promise<boolean> => {
      if (written !== null && written >= revision) return false;
      const newEvent: NewEvent = {
        eventId: this.ids.next(),
        type: event.type,
        schemaVersion: STATEMENT_EVENTS[event.type].version,
        data: event.data,
        metadata: {
          actor: input.context.actor,
          correlationId: input.context.correlationId,
          causationId: input.context.causationId,
          effectiveAt: this.clock.now().toISOString(),
          idempotencyKey: null,
          // The finance bureau's city the statement belongs to (its id derives from it).
          city: input.city,
        },
      };
      try {
        const result = await this.store.appendToStream(streamId, [newEvent], { expectedRevision: revision === 0n ? 'no-stream' : revision - 1n });
        written = result.nextExpectedRevision;
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || error.actual === null || error.actual < revision) throw error;
        written = error.actual; // another upload of the same content got there first
        return false;
      }
    };

    let rows: RecordedStatementRow[] = [];
    let inChunk = 0;
    let chunkNo = 0;
    const lines = createInterface({ input: createReadStream(spoolPath, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      inChunk++;
      // A chunk already in the stream (another upload of this content wrote it) is only counted.
      if (written === null || written < BigInt(chunkNo)) rows.push(JSON.parse(line) as RecordedStatementRow);
      if (inChunk === STATEMENT_CHUNK_ROWS) {
        if (rows.length > 0) await write({ type: 'StatementRowsRecorded', data: { statementId, chunkNo, rows } }, BigInt(chunkNo));
        chunkNo++;
        rows = [];
        inChunk = 0;
      }
    }
    if (inChunk > 0) {
      if (rows.length > 0) await write({ type: 'StatementRowsRecorded', data: { statementId, chunkNo, rows } }, BigInt(chunkNo));
      chunkNo++;
    }

    const data: ImportedData = {
      statementId,
      city: input.city,
      fileSha256: ids.fileSha256,
      contentSha256: ids.contentSha256,
      fileBytes: ids.fileBytes,
      fileName: input.fileName,
      rowCount: outcome.rowCount,
      chunkCount: chunkNo,
      debit: outcome.debit,
      credit: outcome.credit,
      period: statementPeriod(outcome.firstValueDate!, outcome.lastValueDate!),
      importedAt: this.clock.now().toISOString(),
    };
    if (await write({ type: 'StatementImported', data }, BigInt(chunkNo))) return { result: resultOf(data), created: true };
    const [first] = await this.store.readStream(streamId, { fromRevision: BigInt(chunkNo), maxCount: 1 });
    const earlier = first ? importedData(first) : null;
    if (!earlier) throw new Error(`statement ${statementId}: revision ${chunkNo} is not StatementImported`);
    return { result: resultOf(earlier), created: false };
  }
}

function importedData(event: RecordedEvent): ImportedData | null {
  return event.type === 'StatementImported' ? readEventOf(STATEMENT_EVENTS, 'StatementImported', event).data : null;
}

/** The response body: the StatementImported data without the file name, identical for every upload of the content. */
function resultOf(d: ImportedData): StatementImportResult {
  return {
    statementId: d.statementId,
    city: d.city,
    fileSha256: d.fileSha256,
    contentSha256: d.contentSha256,
    fileBytes: d.fileBytes,
    rowCount: d.rowCount,
    chunkCount: d.chunkCount,
    debit: d.debit,
    credit: d.credit,
    period: d.period,
    importedAt: d.importedAt,
  };
}

function refused(outcome: ParseOutcome): ProblemException {
  return new ProblemException(
    HttpStatus.UNPROCESSABLE_ENTITY,
    'STATEMENT_INVALID',
    {
      zh: `对账单有 ${outcome.problemCount} 处错误，整份文件未导入`,
      en: `The statement has ${outcome.problemCount} problem(s); nothing was imported`,
    },
    {
      problemCount: outcome.problemCount,
      problemsListed: outcome.problems.length,
      truncated: outcome.problems.length < outcome.problemCount,
      errors: outcome.problems.map((p) => ({ line: p.line, field: p.field, code: p.code, zh: p.zh, en: p.en })),
    },
  );
}

async function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  await new Promise<void>((resolve) => stream.end(() => resolve()));
}
