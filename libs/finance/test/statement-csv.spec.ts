import { decodeEvent, formatYuan } from '@ipstd/kernel';
import {
  STATEMENT_EVENTS,
  StatementEvent,
  StatementParser,
  StatementTokenizer,
  TokenizerFailure,
  canonicalRowText,
  isCalendarDate,
  parseYuanToFen,
  payeeNameKey,
  statementIdFor,
  statementPeriod,
} from '@ipstd/finance';

const HEADER = 'reference,payee_credit_code,amount_yuan,value_date,direction';
const CODE = '91320505MA1MXXXXX0';
const TODAY = '2025-06-30';

/** Tokenizes `text` with csv-parse, fed in pieces of `piece` bytes. */
async function tokenize(text: string | Buffer, piece = 7, maxRecordBytes = 4096) {
  const records: Array<[number, string[]]> = [];
  const failures: Array<[number, TokenizerFailure]> = [];
  const tokenizer = new StatementTokenizer({ record: (line, fields) => records.push([line, fields]), failed: (line, failure) => failures.push([line, failure]) }, maxRecordBytes);
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < bytes.length; i += piece) await tokenizer.write(bytes.subarray(i, i + piece));
  await tokenizer.end();
  return { records, failures };
}

/** One record per line, split at commas (the parser's own tests; the tokenizer has its own). */
function parse(lines: string[], today = TODAY) {
  const parser = new StatementParser({ today });
  const rows = lines.map((l, i) => parser.record(i + 1, l.split(','))).filter((r) => r !== null);
  return { rows, outcome: parser.finish(lines.length) };
}

describe('yuan → fen', () => {
  it.each([
    ['0.10', 10],
    ['0.01', 1],
    ['12345678.99', 1234567899],
    ['1.00', 100],
    ['9999999999999.99', 999999999999999],
    ['0.29', 29],
    ['1.15', 115],
    ['4.35', 435],
  ])('%s yuan is exactly %d fen', (text, fen) => {
    expect(parseYuanToFen(text)).toEqual({ fen });
    expect(formatYuan(fen, { grouping: false })).toBe(text);
  });

  it.each(['1', '1.5', '1.500', '-1.00', '+1.00', '1,000.00', '01.00', '1e3', ' 1.00', '¥1.00', '10000000000000.00', '.50', 'NaN', ''])('refuses %j', (text) => {
    expect(parseYuanToFen(text)).toEqual({ problem: 'format' });
  });

  it('refuses zero', () => expect(parseYuanToFen('0.00')).toEqual({ problem: 'zero' }));
});

describe('CSV tokenizer (csv-parse)', () => {
  it('splits plain and quoted fields, with commas, quotes and line breaks inside quotes, BOM and CRLF', async () => {
    const { records, failures } = await tokenize('\uFEFFa,b,c\r\n"x,1","y ""q""", z \r\n"multi\r\nline",2,3\r\n\r\n   \n4,"5\n6\n7",8\n9,,\n');
    expect(failures).toEqual([]);
    expect(records).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['x,1', 'y "q"', 'z']],
      [3, ['multi\r\nline', '2', '3']],
      [7, ['4', '5\n6\n7', '8']],
      [10, ['9', '', '']],
    ]);
  });

  it('gives the same records whatever pieces the bytes arrive in (multi-byte characters split)', async () => {
    const text = 'a,b\n中文名称,"逗号,引号"""\n"跨\n行",x\n';
    const whole = await tokenize(text, 1 << 20);
    for (const piece of [1, 2, 3, 5]) expect(await tokenize(text, piece)).toEqual(whole);
    expect(whole.records[1]).toEqual([2, ['中文名称', '逗号,引号"']]);
    expect(whole.records[2]).toEqual([3, ['跨\n行', 'x']]);
  });

  it('stops at misplaced quotes, unterminated quotes and over-long records, naming the line', async () => {
    expect((await tokenize('a,b\n1,2\n"q"z,2\n3,4\n')).failures).toEqual([[3, 'QUOTE']]);
    expect((await tokenize('a,b\nw"e,5\n')).failures).toEqual([[2, 'QUOTE']]);
    expect((await tokenize('a,b\n1,2\n"open,8\n9,10\n')).failures).toEqual([[3, 'QUOTE_UNTERMINATED']]);
    const long = await tokenize(`a,b\n${'L'.repeat(100)},1\n2,3\n`, 7, 50);
    expect(long.failures).toEqual([[2, 'LINE_TOO_LONG']]);
    expect(long.records).toEqual([[1, ['a', 'b']]]);
  });

  it('does not take a lone CR for a line end', async () => {
    const { records } = await tokenize('a,b\r1,2\r');
    expect(records).toHaveLength(1);
    expect(records[0][0]).toBe(1);
  });

  it('passes undecodable bytes on as U+FFFD, which the parser reports as ENCODING', async () => {
    const { records } = await tokenize(Buffer.concat([Buffer.from('a,b\nx'), Buffer.from([0xff, 0xfe]), Buffer.from(',1\n')]));
    expect(records[1][0]).toBe(2);
    expect(records[1][1][0]).toContain('\uFFFD');
  });
});

describe('calendar dates and periods', () => {
  it('knows month lengths', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2024-13-01')).toBe(false);
    expect(isCalendarDate('2024-1-01')).toBe(false);
  });
  it('spans whole months', () => expect(statementPeriod('2024-12-17', '2025-02-03')).toEqual({ from: '2024-12-01', to: '2025-02-28' }));
});

describe('statement parser', () => {
  it('reads records in any column order, with an optional payee_name column', () => {
    const parser = new StatementParser({ today: TODAY });
    const rows = [
      parser.record(1, ['\uFEFFreference', 'amount_yuan', 'payee_credit_code', 'value_date', 'direction', 'PAYEE_NAME']),
      parser.record(2, ['TRE-1', '200000.00', CODE, '2024-12-20', 'debit', '苏州虎丘科技有限公司']),
      parser.record(3, ['']),
      parser.record(4, ['BANK,2', '0.10', CODE.toLowerCase(), '2025-02-01', 'CREDIT', '']),
    ].filter((r) => r !== null);
    const outcome = parser.finish(4);
    expect(outcome.problemCount).toBe(0);
    expect(rows).toEqual([
      { line: 2, reference: 'TRE-1', payeeCreditCode: CODE, amountFen: 20_000_000, valueDate: '2024-12-20', direction: 'debit', payeeName: '苏州虎丘科技有限公司' },
      { line: 4, reference: 'BANK,2', payeeCreditCode: CODE, amountFen: 10, valueDate: '2025-02-01', direction: 'credit', payeeName: null },
    ]);
    expect(outcome).toMatchObject({ rowCount: 2, debit: { count: 1, totalFen: 20_000_000 }, credit: { count: 1, totalFen: 10 }, firstValueDate: '2024-12-20', lastValueDate: '2025-02-01' });
  });

  it('lists every problem of every row, with line, field and bilingual text', () => {
    const { rows, outcome } = parse([
      HEADER,
      `A,${CODE},1.5,2024-12-20,debit`,
      `B,91320505MA1MXXXXX1,1.00,2024-02-30,sideways`,
      `,${CODE},1.00,2024-12-20,debit`,
      `C,${CODE},1.00,2024-12-20`,
      `D,${CODE},1.00,2024-12-20,debit`,
    ]);
    expect(rows).toHaveLength(1);
    expect(outcome.problemCount).toBe(6);
    expect(outcome.problems.map((p) => [p.line, p.field, p.code])).toEqual([
      [2, 'amount_yuan', 'AMOUNT_FORMAT'],
      [3, 'payee_credit_code', 'CREDIT_CODE_CHECK'],
      [3, 'value_date', 'DATE_FORMAT'],
      [3, 'direction', 'DIRECTION'],
      [4, 'reference', 'REFERENCE_EMPTY'],
      [5, '*', 'COLUMN_COUNT'],
    ]);
    expect(outcome.problems[0].zh).toMatch(/两位小数/);
    expect(outcome.problems[0].en).toMatch(/two decimals/);
  });

  it('refuses value dates after today (Asia/Shanghai, given by the caller), bad payee names and undecodable bytes', () => {
    const { rows, outcome } = parse([
      `${HEADER},payee_name`,
      `TODAY,${CODE},1.00,${TODAY},debit,A`,
      `TOMORROW,${CODE},1.00,2025-07-01,debit,A`,
      `FAR,${CODE},1.00,2099-01-01,debit,A`,
      `NAME,${CODE},1.00,2025-01-01,debit,${'名'.repeat(201)}`,
      `CTRL,${CODE},1.00,2025-01-01,debit,A\u0007B`,
      `BYTES\uFFFD,${CODE},1.00,2025-01-01,debit,A`,
    ]);
    expect(rows.map((r) => r.reference)).toEqual(['TODAY']);
    expect(outcome.problems.map((p) => [p.line, p.field, p.code])).toEqual([
      [3, 'value_date', 'DATE_IN_FUTURE'],
      [4, 'value_date', 'DATE_IN_FUTURE'],
      [5, 'payee_name', 'PAYEE_NAME_TOO_LONG'],
      [6, 'payee_name', 'PAYEE_NAME_CHARACTERS'],
      [7, '*', 'ENCODING'],
    ]);
    expect(outcome.problems[0].zh).toMatch(/晚于今天/);
    expect(outcome.problems[0].en).toMatch(/after today/);
  });

  it('refuses a wrong header and an empty file', () => {
    expect(parse(['ref,amount']).outcome.problems.map((p) => p.code)).toEqual(['HEADER_UNKNOWN', 'HEADER_UNKNOWN']);
    expect(parse([HEADER]).outcome.problems.map((p) => p.code)).toEqual(['EMPTY']);
    expect(parse([`${HEADER},payee_name,payee_name`]).outcome.problems.map((p) => p.code)).toEqual(['HEADER_DUPLICATE']);
    expect(new StatementParser({ today: TODAY }).finish(1).problems.map((p) => p.code)).toEqual(['HEADER_MISSING']);
  });

  it('lists at most maxProblems but counts them all', () => {
    const parser = new StatementParser({ maxProblems: 3, today: TODAY });
    parser.record(1, HEADER.split(','));
    for (let i = 2; i < 12; i++) parser.record(i, `R${i},${CODE},bad,2024-12-01,debit`.split(','));
    const outcome = parser.finish(11);
    expect(outcome.problemCount).toBe(10);
    expect(outcome.problems).toHaveLength(3);
  });
});

describe('statement identity', () => {
  const row = { line: 2, reference: 'R', payeeCreditCode: CODE, amountFen: 100, valueDate: '2024-12-01', direction: 'debit' as const, payeeName: null };
  it('derives the statement id from the city and the content hash', () => {
    const content = 'a'.repeat(64);
    expect(statementIdFor('320500', content)).toBe(statementIdFor('320500', content));
    expect(statementIdFor('320500', content)).not.toBe(statementIdFor('371100', content));
    expect(statementIdFor('320500', content)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('writes a row canonically (keys sorted)', () => {
    expect(canonicalRowText(row)).toBe('{"amountFen":100,"direction":"debit","line":2,"payeeCreditCode":"91320505MA1MXXXXX0","payeeName":null,"reference":"R","valueDate":"2024-12-01"}');
  });
  it('compares payee names without width, spacing or letter-case differences', () => {
    expect(payeeNameKey('苏州虎丘（科技） 有限公司')).toBe(payeeNameKey('苏州虎丘(科技)有限公司'));
    expect(payeeNameKey('Ａｂｃ Ltd')).toBe(payeeNameKey('ABCLTD'));
    expect(payeeNameKey('苏州虎丘')).not.toBe(payeeNameKey('苏州狮山'));
  });
});

describe('stored statement events', () => {
  it('reads v1 StatementRowsRecorded (rows without payeeName) as rows with payeeName null', () => {
    const v1 = JSON.parse('{"statementId":"s","chunkNo":0,"rows":[{"line":2,"reference":"R","payeeCreditCode":"91320505MA1MXXXXX0","amountFen":100,"valueDate":"2024-12-01","direction":"debit"}]}');
    const event = decodeEvent<StatementEvent>(STATEMENT_EVENTS, 'StatementRowsRecorded', 1, v1);
    expect(event.type === 'StatementRowsRecorded' && event.data.rows[0]).toEqual({ ...v1.rows[0], payeeName: null });
  });
  it('reads v1 StatementImported (random id, no content hash) with contentSha256 null', () => {
    const v1 = JSON.parse(
      '{"statementId":"0190a4b2-0000-7000-8000-000000000000","city":"320500","fileSha256":"ab","fileBytes":10,"fileName":null,"rowCount":1,"chunkCount":1,"debit":{"count":1,"totalFen":100},"credit":{"count":0,"totalFen":0},"period":{"from":"2024-12-01","to":"2024-12-31"},"importedAt":"2025-01-01T00:00:00.000Z"}',
    );
    expect(decodeEvent<StatementEvent>(STATEMENT_EVENTS, 'StatementImported', 1, v1).data).toEqual({ ...v1, contentSha256: null });
    expect(STATEMENT_EVENTS.StatementImported.version).toBe(2);
    expect(STATEMENT_EVENTS.StatementRowsRecorded.version).toBe(2);
  });
});
