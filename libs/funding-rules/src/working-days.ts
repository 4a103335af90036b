import { isIsoDate } from './calendar';

/**
 * The Chinese working-day calendar (工作日) of one year: the public holidays (`off`) and the make-up
 * working days (`work`, weekend days worked) as announced by the General Office of the State Council
 * (国务院办公厅) in its yearly notice on holiday arrangements (部分节假日安排的通知), named in `notice`.
 * Every other Saturday and Sunday is a rest day and every other weekday a working day.
 */
export interface WorkingDayYear {
  readonly year: number;
  readonly notice: string;
  readonly off: readonly string[];
  readonly work: readonly string[];
}

/** A set of published years, by year. */
export type WorkingDayCalendar = ReadonlyMap<number, WorkingDayYear>;

/**
 * The years shipped with the product; further years are published as data (no code change). The 2026
 * notice was published on 2025-11-04; its document number is recorded when confirmed from the gazette.
 */
export const BUILT_IN_WORKING_DAY_YEARS: readonly WorkingDayYear[] = [
  {
    year: 2024,
    notice: "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号，2023-10-25）",
    off: ["2024-01-01", "2024-02-10", "2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16", "2024-02-17", "2024-04-04", "2024-04-05", "2024-04-06", "2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05", "2024-06-10", "2024-09-15", "2024-09-16", "2024-09-17", "2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"],
    work: ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"],
  },
  {
    year: 2025,
    notice: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）",
    off: ["2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04", "2025-04-04", "2025-04-05", "2025-04-06", "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-31", "2025-06-01", "2025-06-02", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"],
    work: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
  },
  {
    year: 2026,
    notice: "国务院办公厅关于2026年部分节假日安排的通知（2025-11-04）",
    off: ["2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-04-04", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"],
    work: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
  },
];

export type WorkingDayYearProblem = { readonly field: string; readonly zh: string; readonly en: string };

/** Checks one year's data: dates in that year, holidays not weekend-worked, make-up days on weekends. */
export function checkWorkingDayYear(year: WorkingDayYear): WorkingDayYearProblem[] {
  const problems: WorkingDayYearProblem[] = [];
  if (!Number.isInteger(year.year) || year.year < 2000 || year.year > 2100) problems.push({ field: 'year', zh: '年份须在 2000 至 2100 之间', en: 'the year must be between 2000 and 2100' });
  if (typeof year.notice !== 'string' || year.notice.trim().length < 4) problems.push({ field: 'notice', zh: '须注明国务院办公厅通知的名称和文号', en: 'name the State Council General Office notice (title and number)' });
  const seen = new Set<string>();
  for (const [field, dates] of [['off', year.off], ['work', year.work]] as const) {
    for (const date of dates) {
      if (!isIsoDate(date) || Number(date.slice(0, 4)) !== year.year) {
        problems.push({ field, zh: `${date} 不是 ${year.year} 年的有效日期`, en: `${date} is not a valid date in ${year.year}` });
        continue;
      }
      if (seen.has(date)) problems.push({ field, zh: `${date} 重复出现`, en: `${date} is listed twice` });
      seen.add(date);
      const weekend = isWeekend(date);
      if (field === 'work' && !weekend) problems.push({ field, zh: `调休上班日 ${date} 不是周末`, en: `make-up working day ${date} is not a weekend day` });
    }
  }
  return problems;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date (Date.UTC is arithmetic: no clock, no host time zone). */
function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** The calendar date of a day number (proleptic Gregorian; H. Hinnant's civil_from_days). */
function dateOfDay(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
function weekday(date: string): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

function isWeekend(date: string): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}

export function calendarOf(years: Iterable<WorkingDayYear>): WorkingDayCalendar {
  const map = new Map<number, WorkingDayYear>();
  for (const y of years) map.set(y.year, y);
  return map;
}

/** A date whose year has no published calendar: the arithmetic refuses rather than guesses. */
export class CalendarYearMissing extends Error {
  constructor(readonly year: number) {
    super(`no working-day calendar is published for ${year}`);
  }
}

export function isWorkingDay(calendar: WorkingDayCalendar, date: string): boolean {
  const year = calendar.get(Number(date.slice(0, 4)));
  if (!year) throw new CalendarYearMissing(Number(date.slice(0, 4)));
  if (year.work.includes(date)) return true;
  if (year.off.includes(date)) return false;
  return !isWeekend(date);
}

export function nextDate(date: string): string {
  return dateOfDay(dayNumber(date) + 1);
}

/**
 * The `count`-th working day after `date` (the day itself not counted): a period of N working days
 * starting the day after publication ends at the end of that day.
 */
export function addWorkingDays(calendar: WorkingDayCalendar, date: string, count: number): string {
  let current = date;
  let left = count;
  while (left > 0) {
    current = nextDate(current);
    if (isWorkingDay(calendar, current)) left--;
  }
  return current;
}

export function previousDate(date: string): string {
  return dateOfDay(dayNumber(date) - 1);
}

/**
 * The working day `count` working days before `date` (the day itself not counted; count 0: `date`
 * itself): counting back from the day before, each working day counts one, holidays and rest days
 * nothing, make-up days one. The mirror of `addWorkingDays`, used for reminders ahead of a deadline.
 * Throws CalendarYearMissing when the count reaches a year with no published calendar.
 */
export function workingDaysBefore(calendar: WorkingDayCalendar, date: string, count: number): string {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0 (got ${count})`);
  let current = date;
  let left = count;
  while (left > 0) {
    current = previousDate(current);
    if (isWorkingDay(calendar, current)) left--;
  }
  return current;
}

/**
 * The same backward count by the weekday rule alone (Monday–Friday working, no holidays, no make-up
 * days): the fallback a caller may choose, and record, when a year has no published calendar.
 */
export function weekdaysBefore(date: string, count: number): string {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0 (got ${count})`);
  let current = date;
  let left = count;
  while (left > 0) {
    current = previousDate(current);
    if (!isWeekend(current)) left--;
  }
  return current;
}
