import { BilingualText, canonicalJson, checkCreditCode, uuidV5 } from '@ipstd/kernel';
import { YUAN_PROBLEMS, parseYuanToFen } from './yuan';

/**
 * The treasury/bank statement format (docs/finance.md): UTF-8 CSV, optional BOM, header
 * `reference,payee_credit_code,amount_yuan,value_date,direction[,payee_name]` (columns in any
 * order), one money movement per record. Pure: the caller tokenizes the file (csv-parse, in the
 * application layer) and feeds records of fields with their line numbers; nothing here does I/O.
 */
export const REQUIRED_COLUMNS = ['reference', 'payee_credit_code', 'amount_yuan', 'value_date', 'direction'] as const;
/** Columns a statement may carry; `payee_name` is matched against the grant's enterprise when present. */
export const OPTIONAL_COLUMNS = ['payee_name'] as const;
export const STATEMENT_COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS] as const;
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
  /** The counterparty's name as the bank wrote it; null when the file has no payee_name column or the cell is empty. */
  readonly payeeName: string | null;
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
export const PAYEE_NAME_MAX_LENGTH = 200;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const TEXT = {
  HEADER_MISSING: {
    zh: '第一行必须是表头 reference,payee_credit_code,amount_yuan,value_date,direction（可另加 payee_name）',
    en: 'the first line must be the header reference,payee_credit_code,amount_yuan,value_date,direction (payee_name optional)',
  },
  HEADER_DUPLICATE: { zh: '表头列重复', en: 'a header column appears twice' },
  HEADER_UNKNOWN: { zh: '表头含有未知列', en: 'the header has an unknown column' },
  COLUMN_COUNT: { zh: '列数与表头不一致', en: 'the number of columns differs from the header' },
  QUOTE: { zh: '引号使用不正确（引号出现在未加引号的字段中，或闭合引号后有多余字符）', en: 'misplaced quote (a quote inside an unquoted field, or text after a closing quote)' },
  REFERENCE_EMPTY: { zh: '流水号不能为空', en: 'the reference must not be empty' },
  REFERENCE_TOO_LONG: { zh: `流水号不能超过 ${REFERENCE_MAX_LENGTH} 个字符`, en: `the reference must be at most ${REFERENCE_MAX_LENGTH} characters` },
  REFERENCE_CHARACTERS: { zh: '流水号含有控制字符', en: 'the reference contains control characters' },
  CREDIT_CODE_FORMAT: { zh: '统一社会信用代码格式不正确（18 位，GB 32100-2015）', en: 'not a unified social credit code (18 characters, GB 32100-2015)' },
  CREDIT_CODE_CHECK: { zh: '统一社会信用代码校验位不正确', en: 'the check character of the unified social credit code is wrong' },
  AMOUNT_FORMAT: YUAN_PROBLEMS.format,
  AMOUNT_ZERO: YUAN_PROBLEMS.zero,
  DATE_FORMAT: { zh: '起息日须为有效日期 YYYY-MM-DD', en: 'the value date must be a valid date YYYY-MM-DD' },
  DATE_IN_FUTURE: { zh: '起息日晚于今天（北京时间），款项不可能已经到账', en: 'the value date is after today (Asia/Shanghai): the money cannot have moved yet' },
  PAYEE_NAME_TOO_LONG: { zh: `收款人名称不能超过 ${PAYEE_NAME_MAX_LENGTH} 个字符`, en: `the payee name must be at most ${PAYEE_NAME_MAX_LENGTH} characters` },
  PAYEE_NAME_CHARACTERS: { zh: '收款人名称含有控制字符', en: 'the payee name contains control characters' },
  DIRECTION: { zh: '方向须为 debit（付出）或 credit（收入）', en: "the direction must be 'debit' (paid out) or 'credit' (received)" },
  LINE_TOO_LONG: { zh: '该行过长', en: 'the line is too long' },
  ENCODING: { zh: '该行不是有效的 UTF-8 文本', en: 'the line is not valid UTF-8' },
  QUOTE_UNTERMINATED: { zh: '引号未闭合：该记录一直延续到文件末尾', en: 'unterminated quoted field: the record runs to the end of the file' },
  EMPTY: { zh: '对账单没有任何数据行', en: 'the statement has no rows' },
  TOTAL_TOO_LARGE: { zh: '对账单合计金额超出可精确表示的范围', en: 'the statement total exceeds the exactly representable range' },
} satisfies Record<string, BilingualText>;
export type ProblemCode = keyof typeof TEXT;

export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** How a payee name is compared: Unicode NFKC (full-width brackets and letters become ASCII), no whitespace, upper case. */
export function payeeNameKey(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '').toUpperCase();
}

/** One row in the canonical form that identifies a statement's content (docs/finance.md §Idempotent import). */
export function canonicalRowText(row: StatementRow): string {
  return canonicalJson({ line: row.line, reference: row.reference, payeeCreditCode: row.payeeCreditCode, amountFen: row.amountFen, valueDate: row.valueDate, direction: row.direction, payeeName: row.payeeName });
}

/** Namespace of statement ids (UUID v5 over `<city>:<content SHA-256>`). Never change it: ids are stored. */
export const STATEMENT_ID_NAMESPACE = '6f1f3c52-5d0e-4c1b-9a43-2d7f0e8b9c11';

/** The statement id of a city's statement with this content: the same content always gets the same id. */
export function statementIdFor(city: string, contentSha256: string): string {
  return uuidV5(STATEMENT_ID_NAMESPACE, `${city}:${contentSha256}`);
}

export interface StatementParserOptions {
  readonly maxProblems?: number;
  /** Today's date in Asia/Shanghai (YYYY-MM-DD) from the injected clock: later value dates are refused. */
  readonly today: string;
}

/**
 * Reads a statement record by record. Every problem of every record is collected (up to
 * `maxProblems` listed, all counted) so that a refused file names each bad row at once.
 */
export class StatementParser {
  private columns: Map<StatementColumn, number> | null = null; // index of each column in the file
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

  constructor(private readonly options: StatementParserOptions) {}

  get hasProblems(): boolean {
    return this.problemCount > 0;
  }

  /** Records a problem found outside the parser (tokenizer: quotes, record length). */
  report(line: number, field: string, code: ProblemCode): void {
    this.problemCount++;
    if (this.listed.length < (this.options.maxProblems ?? 1000)) this.listed.push({ line, field, code, ...TEXT[code] });
  }

  /**
   * One record: its fields as the tokenizer split them (quotes removed, surrounding blanks trimmed)
   * and the line it starts on. Returns the row when the record is a valid data row.
   */
  record(lineNo: number, fields: readonly string[]): StatementRow | null {
    if (!this.headerSeen) {
      this.headerSeen = true;
      this.readHeader(lineNo, fields.map((f, i) => (i === 0 && f.startsWith('\uFEFF') ? f.slice(1) : f)));
      return null;
    }
    if (fields.every((f) => f.trim() === '') && fields.length <= 1) return null; // a blank line
    if (!this.columns) return null; // header refused: the file is refused already
    if (fields.some((f) => f.includes('\uFFFD'))) {
      this.report(lineNo, '*', 'ENCODING');
      return null;
    }
    if (fields.length !== this.columns.size) {
      this.report(lineNo, '*', 'COLUMN_COUNT');
      return null;
    }
    const columns = this.columns;
    const value = (column: StatementColumn): string | null => {
      const index = columns.get(column);
      return index === undefined ? null : fields[index].trim();
    };
    const before = this.problemCount;

    const reference = value('reference')!;
    if (reference === '') this.report(lineNo, 'reference', 'REFERENCE_EMPTY');
    else if ([...reference].length > REFERENCE_MAX_LENGTH) this.report(lineNo, 'reference', 'REFERENCE_TOO_LONG');
    else if (CONTROL.test(reference)) this.report(lineNo, 'reference', 'REFERENCE_CHARACTERS');

    const payeeCreditCode = value('payee_credit_code')!.toUpperCase();
    const codeProblem = checkCreditCode(payeeCreditCode);
    if (codeProblem) this.report(lineNo, 'payee_credit_code', codeProblem === 'format' ? 'CREDIT_CODE_FORMAT' : 'CREDIT_CODE_CHECK');

    const amount = parseYuanToFen(value('amount_yuan')!);
    if ('problem' in amount) this.report(lineNo, 'amount_yuan', amount.problem === 'format' ? 'AMOUNT_FORMAT' : 'AMOUNT_ZERO');

    const valueDate = value('value_date')!;
    if (!isCalendarDate(valueDate)) this.report(lineNo, 'value_date', 'DATE_FORMAT');
    else if (valueDate > this.options.today) this.report(lineNo, 'value_date', 'DATE_IN_FUTURE');

    const direction = value('direction')!.toLowerCase();
    if (!(DIRECTIONS as readonly string[]).includes(direction)) this.report(lineNo, 'direction', 'DIRECTION');

    const nameText = value('payee_name');
    const payeeName = nameText === null || nameText === '' ? null : nameText;
    if (payeeName !== null && [...payeeName].length > PAYEE_NAME_MAX_LENGTH) this.report(lineNo, 'payee_name', 'PAYEE_NAME_TOO_LONG');
    else if (payeeName !== null && CONTROL.test(payeeName)) this.report(lineNo, 'payee_name', 'PAYEE_NAME_CHARACTERS');

    if (this.problemCount > before || 'problem' in amount) return null;
    const row: StatementRow = { line: lineNo, reference, payeeCreditCode, amountFen: amount.fen, valueDate, direction: direction as Direction, payeeName };
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

  private readHeader(lineNo: number, fields: readonly string[]): void {
    const names = fields.map((n) => n.trim().toLowerCase());
    if (names.length === 0 || names.every((n) => n === '')) {
      this.report(lineNo, '*', 'HEADER_MISSING');
      return;
    }
    const unknown = names.filter((n) => !(STATEMENT_COLUMNS as readonly string[]).includes(n));
    const duplicate = names.filter((n, i) => names.indexOf(n) !== i);
    const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
    for (const name of unknown) this.report(lineNo, name.slice(0, 64) || '*', 'HEADER_UNKNOWN');
    for (const name of duplicate) this.report(lineNo, name, 'HEADER_DUPLICATE');
    if (missing.length > 0 && unknown.length === 0 && duplicate.length === 0) this.report(lineNo, '*', 'HEADER_MISSING');
    if (unknown.length || duplicate.length || missing.length) return;
    this.columns = new Map(names.map((n, i) => [n as StatementColumn, i]));
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
