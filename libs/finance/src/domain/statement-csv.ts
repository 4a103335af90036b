import { BilingualText, checkCreditCode } from '@ipstd/kernel';
import { YUAN_PROBLEMS, parseYuanToFen } from './yuan';

/**
 * The treasury/bank statement format (docs/finance.md): UTF-8 CSV, optional BOM, header
 * `reference,payee_credit_code,amount_yuan,value_date,direction` (columns in any order), one
 * money movement per line. Pure: the caller feeds decoded lines; nothing here does I/O.
 */
export const STATEMENT_COLUMNS = ['reference', 'payee_credit_code', 'amount_yuan', 'value_date', 'direction'] as const;
export type StatementColumn = (typeof STATEMENT_COLUMNS)[number];
export const DIRECTIONS = ['debit', 'credit'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface StatementRow {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly reference: string;
  /** The counterparty: the payee of a debit, the payer of a credit (统一社会信用代码). */
  readonly payeeCreditCode: string;
  readonly amountFen: number;
  /** YYYY-MM-DD, the bank's value date (起息日), a calendar date in Asia/Shanghai. */
  readonly valueDate: string;
  readonly direction: Direction;
}

export interface RowProblem {
  readonly line: number;
  /** The column name, or `*` for a problem with the whole line or file. */
  readonly field: string;
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}

export interface StatementSummary {
  readonly rowCount: number;
  readonly debit: { readonly count: number; readonly totalFen: number };
  readonly credit: { readonly count: number; readonly totalFen: number };
  /** Earliest and latest value date; null for a file without rows. */
  readonly firstValueDate: string | null;
  readonly lastValueDate: string | null;
}

export interface ParseOutcome extends StatementSummary {
  readonly problemCount: number;
  /** The first `maxProblems` problems, in line order. */
  readonly problems: readonly RowProblem[];
}

export const REFERENCE_MAX_LENGTH = 64;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const TEXT = {
  HEADER_MISSING: { zh: '第一行必须是表头 reference,payee_credit_code,amount_yuan,value_date,direction', en: 'the first line must be the header reference,payee_credit_code,amount_yuan,value_date,direction' },
  HEADER_DUPLICATE: { zh: '表头列重复', en: 'a header column appears twice' },
  HEADER_UNKNOWN: { zh: '表头含有未知列', en: 'the header has an unknown column' },
  COLUMN_COUNT: { zh: '列数与表头不一致', en: 'the number of columns differs from the header' },
  QUOTE: { zh: '引号使用不正确（字段引号未闭合或引号后有多余字符）', en: 'misplaced quote (unterminated quoted field or text after a closing quote)' },
  REFERENCE_EMPTY: { zh: '流水号不能为空', en: 'the reference must not be empty' },
  REFERENCE_TOO_LONG: { zh: `流水号不能超过 ${REFERENCE_MAX_LENGTH} 个字符`, en: `the reference must be at most ${REFERENCE_MAX_LENGTH} characters` },
  REFERENCE_CHARACTERS: { zh: '流水号含有控制字符', en: 'the reference contains control characters' },
  CREDIT_CODE_FORMAT: { zh: '统一社会信用代码格式不正确（18 位，GB 32100-2015）', en: 'not a unified social credit code (18 characters, GB 32100-2015)' },
  CREDIT_CODE_CHECK: { zh: '统一社会信用代码校验位不正确', en: 'the check character of the unified social credit code is wrong' },
  AMOUNT_FORMAT: YUAN_PROBLEMS.format,
  AMOUNT_ZERO: YUAN_PROBLEMS.zero,
  DATE_FORMAT: { zh: '起息日须为有效日期 YYYY-MM-DD', en: 'the value date must be a valid date YYYY-MM-DD' },
  DIRECTION: { zh: '方向须为 debit（付出）或 credit（收入）', en: "the direction must be 'debit' (paid out) or 'credit' (received)" },
  LINE_TOO_LONG: { zh: '该行过长', en: 'the line is too long' },
  ENCODING: { zh: '该行不是有效的 UTF-8 文本', en: 'the line is not valid UTF-8' },
  EMPTY: { zh: '对账单没有任何数据行', en: 'the statement has no rows' },
  TOTAL_TOO_LARGE: { zh: '对账单合计金额超出可精确表示的范围', en: 'the statement total exceeds the exactly representable range' },
} satisfies Record<string, BilingualText>;
export type ProblemCode = keyof typeof TEXT;

/** Splits one CSV line; fields may be double-quoted with `""` for a quote. Null when quotes are misplaced. */
export function splitCsvLine(text: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    // leading blanks before an opening quote are allowed
    let j = i;
    while (text[j] === ' ' || text[j] === '\t') j++;
    if (text[j] === '"') {
      j++;
      for (;;) {
        if (j >= text.length) return null;
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            field += '"';
            j += 2;
            continue;
          }
          j++;
          break;
        }
        field += text[j++];
      }
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (j < text.length && text[j] !== ',') return null;
      fields.push(field);
      i = j;
    } else {
      const comma = text.indexOf(',', i);
      const raw = comma < 0 ? text.slice(i) : text.slice(i, comma);
      if (raw.includes('"')) return null;
      fields.push(raw.trim());
      i = comma < 0 ? text.length : comma;
    }
    if (i >= text.length) return fields;
    i++; // past the comma
    if (i === text.length) {
      fields.push('');
      return fields;
    }
  }
}

export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Reads a statement line by line. Every problem of every line is collected (up to `maxProblems`
 * listed, all counted) so that a refused file names each bad row at once.
 */
export class StatementParser {
  private columns: number[] | null = null; // index of each STATEMENT_COLUMNS entry in the file
  private headerSeen = false;
  private readonly listed: RowProblem[] = [];
  private problemCount = 0;
  private rowCount = 0;
  private debitCount = 0;
  private creditCount = 0;
  private debitTotal = 0n;
  private creditTotal = 0n;
  private firstValueDate: string | null = null;
  private lastValueDate: string | null = null;

  constructor(private readonly options: { maxProblems?: number } = {}) {}

  get hasProblems(): boolean {
    return this.problemCount > 0;
  }

  /** Records a problem found outside the parser (encoding, line length). */
  report(line: number, field: string, code: ProblemCode): void {
    this.problemCount++;
    if (this.listed.length < (this.options.maxProblems ?? 1000)) this.listed.push({ line, field, code, ...TEXT[code] });
  }

  /** One decoded line without its line break. Returns the row when the line is a valid data row. */
  line(lineNo: number, raw: string): StatementRow | null {
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.headerSeen) {
      this.headerSeen = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
      this.readHeader(lineNo, text);
      return null;
    }
    if (text.trim() === '') return null;
    if (!this.columns) return null; // header refused: the file is refused already
    const fields = splitCsvLine(text);
    if (!fields) {
      this.report(lineNo, '*', 'QUOTE');
      return null;
    }
    if (fields.length !== STATEMENT_COLUMNS.length) {
      this.report(lineNo, '*', 'COLUMN_COUNT');
      return null;
    }
    const value = (column: StatementColumn) => fields[this.columns![STATEMENT_COLUMNS.indexOf(column)]];
    const before = this.problemCount;

    const reference = value('reference');
    if (reference === '') this.report(lineNo, 'reference', 'REFERENCE_EMPTY');
    else if ([...reference].length > REFERENCE_MAX_LENGTH) this.report(lineNo, 'reference', 'REFERENCE_TOO_LONG');
    else if (CONTROL.test(reference)) this.report(lineNo, 'reference', 'REFERENCE_CHARACTERS');

    const payeeCreditCode = value('payee_credit_code').toUpperCase();
    const codeProblem = checkCreditCode(payeeCreditCode);
    if (codeProblem) this.report(lineNo, 'payee_credit_code', codeProblem === 'format' ? 'CREDIT_CODE_FORMAT' : 'CREDIT_CODE_CHECK');

    const amount = parseYuanToFen(value('amount_yuan'));
    if ('problem' in amount) this.report(lineNo, 'amount_yuan', amount.problem === 'format' ? 'AMOUNT_FORMAT' : 'AMOUNT_ZERO');

    const valueDate = value('value_date');
    if (!isCalendarDate(valueDate)) this.report(lineNo, 'value_date', 'DATE_FORMAT');

    const direction = value('direction').toLowerCase();
    if (!(DIRECTIONS as readonly string[]).includes(direction)) this.report(lineNo, 'direction', 'DIRECTION');

    if (this.problemCount > before || 'problem' in amount) return null;
    const row: StatementRow = { line: lineNo, reference, payeeCreditCode, amountFen: amount.fen, valueDate, direction: direction as Direction };
    this.count(row);
    return row;
  }

  /** Call after the last line. */
  finish(lastLine: number): ParseOutcome {
    if (!this.headerSeen) this.report(1, '*', 'HEADER_MISSING');
    else if (this.columns && this.rowCount === 0 && this.problemCount === 0) this.report(lastLine, '*', 'EMPTY');
    if (!Number.isSafeInteger(Number(this.debitTotal)) || !Number.isSafeInteger(Number(this.creditTotal))) this.report(lastLine, '*', 'TOTAL_TOO_LARGE');
    return {
      rowCount: this.rowCount,
      debit: { count: this.debitCount, totalFen: Number(this.debitTotal) },
      credit: { count: this.creditCount, totalFen: Number(this.creditTotal) },
      firstValueDate: this.firstValueDate,
      lastValueDate: this.lastValueDate,
      problemCount: this.problemCount,
      problems: [...this.listed],
    };
  }

  private readHeader(lineNo: number, text: string): void {
    const names = splitCsvLine(text)?.map((n) => n.trim().toLowerCase());
    if (!names || names.length === 0 || names.every((n) => n === '')) {
      this.report(lineNo, '*', 'HEADER_MISSING');
      return;
    }
    const unknown = names.filter((n) => !(STATEMENT_COLUMNS as readonly string[]).includes(n));
    const duplicate = names.filter((n, i) => names.indexOf(n) !== i);
    const missing = STATEMENT_COLUMNS.filter((c) => !names.includes(c));
    for (const name of unknown) this.report(lineNo, name.slice(0, 64) || '*', 'HEADER_UNKNOWN');
    for (const name of duplicate) this.report(lineNo, name, 'HEADER_DUPLICATE');
    if (missing.length > 0 && unknown.length === 0 && duplicate.length === 0) this.report(lineNo, '*', 'HEADER_MISSING');
    if (unknown.length || duplicate.length || missing.length) return;
    this.columns = STATEMENT_COLUMNS.map((c) => names.indexOf(c));
  }

  private count(row: StatementRow): void {
    this.rowCount++;
    if (row.direction === 'debit') {
      this.debitCount++;
      this.debitTotal += BigInt(row.amountFen);
    } else {
      this.creditCount++;
      this.creditTotal += BigInt(row.amountFen);
    }
    if (this.firstValueDate === null || row.valueDate < this.firstValueDate) this.firstValueDate = row.valueDate;
    if (this.lastValueDate === null || row.valueDate > this.lastValueDate) this.lastValueDate = row.valueDate;
  }
}
