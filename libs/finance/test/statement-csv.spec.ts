import { StatementParser, fenToYuan, parseYuanToFen, splitCsvLine, isCalendarDate, statementPeriod } from '@ipstd/finance';

const HEADER = 'reference,payee_credit_code,amount_yuan,value_date,direction';
const CODE = '91320505MA1MXXXXX0';

function parse(lines: string[]) {
  const parser = new StatementParser();
  const rows = lines.map((l, i) => parser.line(i + 1, l)).filter((r) => r !== null);
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
    expect(fenToYuan(fen)).toBe(text);
  });

  it.each(['1', '1.5', '1.500', '-1.00', '+1.00', '1,000.00', '01.00', '1e3', ' 1.00', '¥1.00', '10000000000000.00', '.50', 'NaN', ''])('refuses %j', (text) => {
    expect(parseYuanToFen(text)).toEqual({ problem: 'format' });
  });

  it('refuses zero', () => expect(parseYuanToFen('0.00')).toEqual({ problem: 'zero' }));
});

describe('CSV line splitting', () => {
  it('splits plain and quoted fields', () => {
    expect(splitCsvLine('a,b,,d')).toEqual(['a', 'b', '', 'd']);
    expect(splitCsvLine('"a,1","b ""x""", c ')).toEqual(['a,1', 'b "x"', 'c']);
    expect(splitCsvLine('a,')).toEqual(['a', '']);
  });
  it('refuses misplaced quotes', () => {
    expect(splitCsvLine('"abc,d')).toBeNull();
    expect(splitCsvLine('"a"b,c')).toBeNull();
    expect(splitCsvLine('a"b,c')).toBeNull();
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
  it('reads a good file with BOM, CRLF, quoted fields, blank lines and any column order', () => {
    const { rows, outcome } = parse([
      '\uFEFFreference,amount_yuan,payee_credit_code,value_date,direction\r',
      `TRE-1,200000.00,${CODE},2024-12-20,debit\r`,
      '',
      `"BANK,2",0.10,${CODE.toLowerCase()},2025-02-01,CREDIT`,
    ]);
    expect(outcome.problemCount).toBe(0);
    expect(rows).toEqual([
      { line: 2, reference: 'TRE-1', payeeCreditCode: CODE, amountFen: 20_000_000, valueDate: '2024-12-20', direction: 'debit' },
      { line: 4, reference: 'BANK,2', payeeCreditCode: CODE, amountFen: 10, valueDate: '2025-02-01', direction: 'credit' },
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

  it('refuses a wrong header and an empty file', () => {
    expect(parse(['ref,amount']).outcome.problems.map((p) => p.code)).toEqual(['HEADER_UNKNOWN', 'HEADER_UNKNOWN']);
    expect(parse([HEADER]).outcome.problems.map((p) => p.code)).toEqual(['EMPTY']);
    expect(new StatementParser().finish(1).problems.map((p) => p.code)).toEqual(['HEADER_MISSING']);
  });

  it('lists at most maxProblems but counts them all', () => {
    const parser = new StatementParser({ maxProblems: 3 });
    parser.line(1, HEADER);
    for (let i = 2; i < 12; i++) parser.line(i, `R${i},${CODE},bad,2024-12-01,debit`);
    const outcome = parser.finish(11);
    expect(outcome.problemCount).toBe(10);
    expect(outcome.problems).toHaveLength(3);
  });
});
