import { CN_WORKING_DAY_CALENDAR, addCalendarDays, isWorkingDay, isWorkingDayCovered, workingDaysBefore } from '../src';

describe('Chinese working-day calendar', () => {
  it('knows holidays, make-up working days and ordinary weekends', () => {
    expect(isWorkingDay('2024-10-01')).toBe(false); // National Day, a Tuesday
    expect(isWorkingDay('2024-10-07')).toBe(false); // the holiday's last day, a Monday
    expect(isWorkingDay('2024-09-29')).toBe(true); // a Sunday made a working day (调休)
    expect(isWorkingDay('2024-10-12')).toBe(true); // a Saturday made a working day
    expect(isWorkingDay('2024-11-16')).toBe(false); // an ordinary Saturday
    expect(isWorkingDay('2024-11-18')).toBe(true); // an ordinary Monday
    expect(isWorkingDay('2025-01-28')).toBe(false); // Spring Festival eve 2025
    expect(isWorkingDay('2025-02-08')).toBe(true); // the Saturday after it, a working day
  });

  it('counts back across a holiday and onto a make-up working day', () => {
    // 2024-10-08 (Tuesday) follows the National Day holiday (10-01..10-07): two working days earlier
    // are Monday 09-30 and the make-up Sunday 09-29.
    expect(workingDaysBefore('2024-10-08', 1)).toBe('2024-09-30');
    expect(workingDaysBefore('2024-10-08', 2)).toBe('2024-09-29');
    expect(workingDaysBefore('2024-10-08', 3)).toBe('2024-09-27');
    // Across a plain weekend.
    expect(workingDaysBefore('2024-11-18', 1)).toBe('2024-11-15');
    // Across the 2025 Spring Festival: 02-05 (Wed) back over 01-28..02-04 to the make-up Sunday 01-26.
    expect(workingDaysBefore('2025-02-05', 1)).toBe('2025-01-27');
    expect(workingDaysBefore('2025-02-05', 2)).toBe('2025-01-26');
    expect(workingDaysBefore('2024-11-20', 0)).toBe('2024-11-20');
  });

  it('agrees with an independent count over every day of the covered years', () => {
    const off = new Set(Object.values(CN_WORKING_DAY_CALENDAR).flatMap((y) => y.off));
    const work = new Set(Object.values(CN_WORKING_DAY_CALENDAR).flatMap((y) => y.work));
    const working = (d: string) => !off.has(d) && (work.has(d) || ![0, 6].includes(new Date(`${d}T12:00:00Z`).getUTCDay()));
    for (let d = '2024-01-15'; d < '2026-12-31'; d = addCalendarDays(d, 1)) {
      expect(isWorkingDay(d)).toBe(working(d));
      // five working days back, counted the long way
      let n = 0;
      let back = d;
      while (n < 5) {
        back = addCalendarDays(back, -1);
        if (working(back)) n++;
      }
      expect(workingDaysBefore(d, 5)).toBe(back);
    }
  });

  it('adds calendar days across month, year and leap-day boundaries', () => {
    expect(addCalendarDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addCalendarDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addCalendarDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addCalendarDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addCalendarDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addCalendarDays('2000-03-01', -1)).toBe('2000-02-29');
    expect(addCalendarDays('1970-01-01', 0)).toBe('1970-01-01');
    for (let d = '1999-12-01', n = 0; n < 4000; n++, d = addCalendarDays(d, 1)) {
      expect(addCalendarDays(d, 1)).toBe(new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));
    }
  });

  it('says which years it covers and refuses what is not a date or a count', () => {
    expect(isWorkingDayCovered('2025-06-01')).toBe(true);
    expect(isWorkingDayCovered('2027-06-01')).toBe(false);
    expect(() => isWorkingDay('2024-02-30')).toThrow(RangeError);
    expect(() => workingDaysBefore('2024-10-08', -1)).toThrow(RangeError);
    expect(() => workingDaysBefore('2024-10-08', 1.5)).toThrow(RangeError);
  });
});
