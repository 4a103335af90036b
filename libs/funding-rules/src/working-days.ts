/**
 * The working-day calendar of mainland China (工作日): public holidays and the weekend days made
 * working days (调休), as announced each year by the General Office of the State Council, one notice
 * per year (named in `notice`). Every other Saturday and Sunday is a rest day, every other weekday a
 * working day. Versioned data: a new year is added here with its notice, never edited in place.
 *
 * Dates outside the years listed fall back to the weekday rule alone (see `isWorkingDayCovered`).
 */
import { isIsoDate } from './calendar';

export interface HolidayYear {
  readonly notice: string;
  /** Public holidays that fall on what would otherwise be working days, and the days around them. */
  readonly off: readonly string[];
  /** Saturdays and Sundays that are working days. */
  readonly work: readonly string[];
}

export const CN_WORKING_DAY_CALENDAR: Readonly<Record<number, HolidayYear>> = {
  2024: {
    notice: "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号，2023-10-25）",
    off: ["2024-01-01", "2024-02-10", "2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16", "2024-02-17", "2024-04-04", "2024-04-05", "2024-04-06", "2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05", "2024-06-10", "2024-09-15", "2024-09-16", "2024-09-17", "2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"],
    work: ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"],
  },
  2025: {
    notice: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）",
    off: ["2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04", "2025-04-04", "2025-04-05", "2025-04-06", "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-31", "2025-06-01", "2025-06-02", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"],
    work: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
  },
  2026: {
    notice: "国务院办公厅关于2026年部分节假日安排的通知（2025-11-04；document number to be confirmed from the official gazette）",
    off: ["2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-04-04", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"],
    work: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
  },
};

const OFF = new Set(Object.values(CN_WORKING_DAY_CALENDAR).flatMap((y) => y.off));
const WORK = new Set(Object.values(CN_WORKING_DAY_CALENDAR).flatMap((y) => y.work));

function checkDate(date: string): void {
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${date}`);
}

/** True when the calendar lists the date's year (its holidays and make-up days are known). */
export function isWorkingDayCovered(date: string): boolean {
  checkDate(date);
  return Number(date.slice(0, 4)) in CN_WORKING_DAY_CALENDAR;
}

/** True for a working day in mainland China: a weekday that is not a holiday, or a make-up Saturday/Sunday. */
export function isWorkingDay(date: string): boolean {
  checkDate(date);
  if (OFF.has(date)) return false;
  if (WORK.has(date)) return true;
  // 1970-01-01 was a Thursday (day 0 → weekday 4, Sunday = 0).
  const weekday = (((dayNumber(date) + 4) % 7) + 7) % 7;
  return weekday !== 0 && weekday !== 6;
}

/** The calendar date `days` before or after (negative) a date. */
export function addCalendarDays(date: string, days: number): string {
  checkDate(date);
  return fromDayNumber(dayNumber(date) + days);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): string arithmetic, no clock. */
function dayNumber(date: string): number {
  const [y0, m, d] = date.split('-').map(Number);
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function fromDayNumber(days: number): string {
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

/**
 * The working day that lies `count` working days before `date` (count ≥ 1): counting back from the
 * day before `date`, each working day counts one, holidays and rest days count nothing. With count 0,
 * `date` itself.
 */
export function workingDaysBefore(date: string, count: number): string {
  checkDate(date);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0 (got ${count})`);
  let day = date;
  for (let left = count; left > 0; ) {
    day = addCalendarDays(day, -1);
    if (isWorkingDay(day)) left -= 1;
  }
  return day;
}
