import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { Clock, IdGenerator } from '@ipstd/kernel';
import { EVENT_STORE, EventStore, NewEvent } from '@ipstd/event-store';
import { CLOCK, CommandContext, ID_GENERATOR, PG_POOL, ProblemException } from '@ipstd/platform';
import {
  ParseOutcome,
  RecordedStatementRow,
  STATEMENT_CHUNK_ROWS,
  STATEMENT_EVENTS,
  StatementEvent,
  StatementParser,
  statementPeriod,
  statementStreamId,
} from '../domain';

/** Largest statement accepted (bytes of the request body). 100,000 rows take about 7 MB. */
export const STATEMENT_MAX_BYTES = 10 * 1024 * 1024;
/** Longest line accepted; longer lines are reported and skipped without being buffered. */
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

export interface StatementImportResult {
  readonly statementId: string;
  readonly city: string;
  readonly fileSha256: string;
  readonly fileBytes: number;
  readonly rowCount: number;
  readonly chunkCount: number;
  readonly debit: { readonly count: number; readonly totalFen: number };
  readonly credit: { readonly count: number; readonly totalFen: number };
  readonly period: { readonly from: string; readonly to: string };
  readonly importedAt: string;
}

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

  async import(input: StatementImportInput): Promise<StatementImportResult> {
    if (input.declaredBytes !== null && input.declaredBytes > STATEMENT_MAX_BYTES) throw tooLarge();
    const dir = mkdtempSync(join(tmpdir(), 'ipstd-statement-'));
    try {
      const spoolPath = join(dir, 'rows.ndjson');
      const { outcome, sha256, bytes } = await this.readAndSpool(input.body, spoolPath);
      if (outcome.problemCount > 0) throw refused(outcome);
      const duplicate = await this.pool
        .query<{ statement_id: string }>('select statement_id from rm_finance_statements where city = $1 and file_sha256 = $2 limit 1', [input.city, sha256])
        .catch(() => ({ rows: [] as { statement_id: string }[] }));
      if (duplicate.rows.length > 0) {
        throw new ProblemException(HttpStatus.CONFLICT, 'STATEMENT_ALREADY_IMPORTED', {
          zh: '同一对账单文件（SHA-256 相同）已经导入',
          en: 'This statement file (same SHA-256) was already imported',
        }, { statementId: duplicate.rows[0].statement_id });
      }
      return await this.append(input, spoolPath, outcome, sha256, bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async readAndSpool(body: AsyncIterable<Buffer | string>, spoolPath: string): Promise<{ outcome: ParseOutcome; sha256: string; bytes: number }> {
    const parser = new StatementParser({ maxProblems: STATEMENT_MAX_LISTED_PROBLEMS });
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const hash = createHash('sha256');
    const spool = createWriteStream(spoolPath, { encoding: 'utf8' });
    let spooling = true;
    let buffered = '';
    let bytes = 0;
    let lineNo = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let overlong = false;

    const flush = async (force: boolean) => {
      if (!spooling || (buffered.length < 64 * 1024 && !force) || buffered.length === 0) return;
      const text = buffered;
      buffered = '';
      if (!spool.write(text)) await once(spool, 'drain');
    };
    const handleLine = (line: Buffer | null) => {
      lineNo++;
      if (line === null) {
        parser.report(lineNo, '*', 'LINE_TOO_LONG');
        return;
      }
      let text: string;
      try {
        text = decoder.decode(line);
      } catch {
        parser.report(lineNo, '*', 'ENCODING');
        return;
      }
      const row = parser.line(lineNo, text);
      if (parser.hasProblems) {
        spooling = false;
        buffered = '';
        return;
      }
      if (row) buffered += `${JSON.stringify(row)}\n`;
    };

    try {
      for await (const piece of body) {
        const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
        bytes += chunk.length;
        if (bytes > STATEMENT_MAX_BYTES) throw tooLarge();
        hash.update(chunk);
        let start = 0;
        for (;;) {
          const newline = chunk.indexOf(10, start);
          if (newline < 0) {
            const rest = chunk.subarray(start);
            if (!overlong) {
              if (pendingBytes + rest.length > STATEMENT_MAX_LINE_BYTES) {
                overlong = true;
                pending = [];
                pendingBytes = 0;
              } else if (rest.length > 0) {
                pending.push(Buffer.from(rest));
                pendingBytes += rest.length;
              }
            }
            break;
          }
          const part = chunk.subarray(start, newline);
          if (overlong || pendingBytes + part.length > STATEMENT_MAX_LINE_BYTES) {
            handleLine(null);
          } else {
            handleLine(pending.length ? Buffer.concat([...pending, part]) : part);
          }
          pending = [];
          pendingBytes = 0;
          overlong = false;
          start = newline + 1;
        }
        await flush(false);
      }
      if (overlong) handleLine(null);
      else if (pendingBytes > 0) handleLine(Buffer.concat(pending));
      await flush(true);
    } finally {
      await closeStream(spool);
    }
    return { outcome: parser.finish(Math.max(lineNo, 1)), sha256: hash.digest('hex'), bytes };
  }

  private async append(input: StatementImportInput, spoolPath: string, outcome: ParseOutcome, fileSha256: string, fileBytes: number): Promise<StatementImportResult> {
    const statementId = this.ids.next();
    const streamId = statementStreamId(statementId);
    let revision: bigint | null = null;
    let chunkNo = 0;
    const write = async (event: StatementEvent) => {
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
        },
      };
      const result = await this.store.appendToStream(streamId, [newEvent], { expectedRevision: revision === null ? 'no-stream' : revision });
      revision = result.nextExpectedRevision;
    };

    let rows: RecordedStatementRow[] = [];
    const lines = createInterface({ input: createReadStream(spoolPath, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      rows.push(JSON.parse(line) as RecordedStatementRow);
      if (rows.length === STATEMENT_CHUNK_ROWS) {
        await write({ type: 'StatementRowsRecorded', data: { statementId, chunkNo: chunkNo++, rows } });
        rows = [];
      }
    }
    if (rows.length > 0) await write({ type: 'StatementRowsRecorded', data: { statementId, chunkNo: chunkNo++, rows } });

    const importedAt = this.clock.now().toISOString();
    const result: StatementImportResult = {
      statementId,
      city: input.city,
      fileSha256,
      fileBytes,
      rowCount: outcome.rowCount,
      chunkCount: chunkNo,
      debit: outcome.debit,
      credit: outcome.credit,
      period: statementPeriod(outcome.firstValueDate!, outcome.lastValueDate!),
      importedAt,
    };
    await write({ type: 'StatementImported', data: { ...result, fileName: input.fileName } });
    return result;
  }
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
