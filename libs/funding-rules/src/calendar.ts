/**
 * Calendar dates as `YYYY-MM-DD` strings in Asia/Shanghai (callers convert instants with the
 * kernel's `shanghaiDate`). Pure string arithmetic: no clock, no time zone of the host.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** The same calendar day `years` earlier; 29 February falls back to 28 February. */
export function yearsBefore(date: string, years: number): string {
  const [year, month, day] = date.split('-').map(Number);
  const target = year - years;
  const clamped = Math.min(day, daysInMonth(target, month));
  return `${String(target).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(clamped).padStart(2, '0')}`;
}
