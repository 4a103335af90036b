import { BUILT_IN_WORKING_DAY_YEARS, CalendarYearMissing, addWorkingDays, calendarOf, checkWorkingDayYear, isWorkingDay, nextDate, previousDate, weekdaysBefore, workingDaysBefore } from '../src';

const calendar = calendarOf(BUILT_IN_WORKING_DAY_YEARS);

describe('Chinese working-day calendar', () => {
  it('ships 2024–2026, each year citing its State Council General Office notice and passing its own checks', () => {
    expect(BUILT_IN_WORKING_DAY_YEARS.map((y) => y.year)).toEqual([2024, 2025, 2026]);
    for (const year of BUILT_IN_WORKING_DAY_YEARS) {
      expect(year.notice).toContain('国务院办公厅');
      expect(checkWorkingDayYear(year)).toEqual([]);
    }
    expect(BUILT_IN_WORKING_DAY_YEARS[0].notice).toContain('国办发明电〔2023〕7号');
    expect(BUILT_IN_WORKING_DAY_YEARS[1].notice).toContain('国办发明电〔2024〕12号');
  });

  it('knows holidays, make-up working days and ordinary weekends', () => {
    expect(isWorkingDay(calendar, '2024-10-01')).toBe(false); // National Day
    expect(isWorkingDay(calendar, '2024-10-07')).toBe(false); // a Monday, off
    expect(isWorkingDay(calendar, '2024-10-12')).toBe(true); // a Saturday, worked
    expect(isWorkingDay(calendar, '2024-10-13')).toBe(false); // an ordinary Sunday
    expect(isWorkingDay(calendar, '2024-10-08')).toBe(true); // an ordinary Tuesday
  });

  it('counts 5 working days across National Day 2024 and its make-up Saturday', () => {
    // Published Monday 2024-09-30: 10-01..10-07 off; 10-08 (1), 10-09 (2), 10-10 (3), 10-11 (4), Saturday 10-12 worked (5).
    expect(addWorkingDays(calendar, '2024-09-30', 5)).toBe('2024-10-12');
    // Published Friday 2024-09-27: Sunday 09-29 is worked (1), 09-30 (2), then 10-08 (3), 10-09 (4), 10-10 (5).
    expect(addWorkingDays(calendar, '2024-09-27', 5)).toBe('2024-10-10');
  });

  it('counts across the 2025 Spring Festival (make-up Sunday 2025-01-26 and Saturday 2025-02-08)', () => {
    // Published Friday 2025-01-24: Sunday 01-26 worked (1), Mon 01-27 (2), 01-28..02-04 off, 02-05 (3), 02-06 (4), 02-07 (5).
    expect(addWorkingDays(calendar, '2025-01-24', 5)).toBe('2025-02-07');
    expect(addWorkingDays(calendar, '2025-01-24', 6)).toBe('2025-02-08');
  });

  it('refuses to count in a year that has no published calendar', () => {
    expect(() => addWorkingDays(calendar, '2026-12-28', 5)).toThrow(CalendarYearMissing);
    expect(() => workingDaysBefore(calendar, '2024-01-03', 5)).toThrow(CalendarYearMissing);
  });

  it('counts back across National Day 2024 and the make-up Sunday before it', () => {
    // 2024-10-01..10-07 off; Monday 09-30 (1), Sunday 09-29 worked (2), Saturday 09-28 is an ordinary rest day, Friday 09-27 (3).
    expect(workingDaysBefore(calendar, '2024-10-08', 1)).toBe('2024-09-30');
    expect(workingDaysBefore(calendar, '2024-10-08', 2)).toBe('2024-09-29');
    expect(workingDaysBefore(calendar, '2024-10-08', 3)).toBe('2024-09-27');
    expect(workingDaysBefore(calendar, '2024-11-18', 1)).toBe('2024-11-15'); // an ordinary weekend
    expect(workingDaysBefore(calendar, '2024-11-20', 0)).toBe('2024-11-20');
    // The weekday rule alone would land elsewhere: it counts 10-07 and 10-04 and skips the make-up Sunday.
    expect(weekdaysBefore('2024-10-08', 2)).toBe('2024-10-04');
  });

  it('counts back across the 2025 Spring Festival to its make-up Sunday, and mirrors the forward count', () => {
    expect(workingDaysBefore(calendar, '2025-02-05', 1)).toBe('2025-01-27');
    expect(workingDaysBefore(calendar, '2025-02-05', 2)).toBe('2025-01-26');
    expect(() => workingDaysBefore(calendar, '2025-02-05', -1)).toThrow(RangeError);
    for (let day = '2024-01-15'; day < '2026-12-01'; day = addWorkingDays(calendar, day, 1)) {
      for (const n of [1, 5]) expect(workingDaysBefore(calendar, addWorkingDays(calendar, day, n), n)).toBe(day);
    }
  });

  it('steps dates over month, leap-day and year ends without a clock', () => {
    expect(nextDate('2024-02-28')).toBe('2024-02-29');
    expect(nextDate('2024-02-29')).toBe('2024-03-01');
    expect(nextDate('2025-02-28')).toBe('2025-03-01');
    expect(nextDate('2024-12-31')).toBe('2025-01-01');
    expect(previousDate('2025-01-01')).toBe('2024-12-31');
    expect(previousDate('2024-03-01')).toBe('2024-02-29');
    expect(previousDate('2100-03-01')).toBe('2100-02-28');
  });

  it('finds defects in a year published as data', () => {
    const problems = checkWorkingDayYear({ year: 2027, notice: '国务院办公厅关于2027年部分节假日安排的通知', off: ['2026-10-01', '2027-02-30'], work: ['2027-02-03'] });
    expect(problems.map((p) => p.field)).toEqual(['off', 'off', 'work']);
  });
});

describe('date arithmetic without the clock', () => {
  it('steps day by day exactly as the proleptic Gregorian calendar does, across months, leap days and years', () => {
    let date = '1999-12-25';
    for (let i = 0; i < 12_000; i++) {
      const next = nextDate(date);
      const expected = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      if (next !== expected) throw new Error(`after ${date}: ${next}, expected ${expected}`);
      date = next;
    }
    expect(date).toBe('2032-11-01');
    expect(nextDate('2024-02-28')).toBe('2024-02-29');
    expect(nextDate('2100-02-28')).toBe('2100-03-01');
  });
});
