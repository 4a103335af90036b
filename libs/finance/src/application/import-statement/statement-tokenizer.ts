import { CsvError, Parser } from 'csv-parse';

/** Why the tokenizer stopped: the rest of the file cannot be split into records reliably. */
export type TokenizerFailure = 'QUOTE' | 'QUOTE_UNTERMINATED' | 'LINE_TOO_LONG';

export interface TokenizerSink {
  /** One record: its fields (quotes removed, blanks around fields trimmed) and the line it starts on. */
  record(line: number, fields: string[]): void;
  /** The tokenizer met a quoting error or an over-long record at `line`; no record follows. */
  failed(line: number, failure: TokenizerFailure): void;
}

const FAILURES: Record<string, TokenizerFailure> = {
  CSV_INVALID_CLOSING_QUOTE: 'QUOTE',
  INVALID_OPENING_QUOTE: 'QUOTE',
  CSV_QUOTE_NOT_CLOSED: 'QUOTE_UNTERMINATED',
  CSV_MAX_RECORD_SIZE: 'LINE_TOO_LONG',
};

/**
 * The statement tokenizer: `csv-parse` (RFC 4180: BOM, double-quoted fields with commas, `""` and
 * line breaks, LF or CRLF record ends, blank lines skipped) fed the raw bytes chunk by chunk,
 * each record handed on synchronously as it is complete, so nothing but the current record is held.
 *
 * Line numbers are counted here, from the byte offsets of the LFs fed in, because csv-parse counts
 * the CR and the LF of a CRLF inside a quoted field as two lines. A record's first line is the line
 * of its last byte minus the line breaks inside its fields. Only LF ends a line (a lone CR is data),
 * so two records never start on the same line.
 */
export class StatementTokenizer {
  private readonly parser: Parser;
  private fed = 0;
  /** Offsets of LFs not yet passed by a record, from `head` on; `passed` counts those before. */
  private newlines: number[] = [];
  private head = 0;
  private passed = 0;
  private stopped = false;

  constructor(private readonly sink: TokenizerSink, maxRecordBytes: number) {
    this.parser = new Parser({
      bom: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
      max_record_size: maxRecordBytes,
      on_record: (record: string[], context) => {
        const end = (context as unknown as { bytes: number }).bytes;
        const lastLine = 1 + this.newlinesBefore(end - 1);
        const inside = record.reduce((n, field) => n + countLf(field), 0);
        this.sink.record(lastLine - inside, record);
        return undefined; // handed on: nothing is queued in the stream
      },
    });
    this.parser.on('error', () => undefined); // reported through write()/end()
  }

  /** True once a quoting error or an over-long record stopped tokenizing. */
  get hasFailed(): boolean {
    return this.stopped;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.stopped) return;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) this.newlines.push(this.fed + i);
    this.fed += chunk.length;
    const error = await new Promise<Error | null>((resolve) => this.parser.write(chunk, (e) => resolve(e ?? null)));
    if (error) this.fail(error);
  }

  async end(): Promise<void> {
    if (this.stopped) return;
    const error = await new Promise<Error | null>((resolve) => {
      this.parser.once('error', resolve);
      this.parser.once('finish', () => resolve(null));
      this.parser.end();
    });
    if (error) this.fail(error);
  }

  private fail(error: Error): void {
    if (!(error instanceof CsvError)) throw error; // a fault of ours, not of the file
    this.stopped = true;
    const csv = error as Error & { code?: string; bytes?: number };
    const failure: TokenizerFailure = (csv.code ? FAILURES[csv.code] : undefined) ?? 'QUOTE';
    // csv-parse reports the offset where the failing record begins; skip the line breaks before it.
    let at = typeof csv.bytes === 'number' ? csv.bytes : this.fed;
    let line = 1 + this.newlinesBefore(at);
    while (this.head < this.newlines.length && this.newlines[this.head] === at) {
      at++;
      line++;
      this.newlinesBefore(at);
    }
    this.sink.failed(line, failure);
    this.parser.destroy();
    this.newlines = [];
    this.head = 0;
  }

  /** How many LFs lie at offsets below `offset` (offsets asked for never decrease). */
  private newlinesBefore(offset: number): number {
    while (this.head < this.newlines.length && this.newlines[this.head] < offset) {
      this.head++;
      this.passed++;
    }
    if (this.head > 4096) {
      this.newlines = this.newlines.slice(this.head);
      this.head = 0;
    }
    return this.passed;
  }
}

function countLf(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
