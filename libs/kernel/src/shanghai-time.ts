/** China Standard Time has had no daylight saving since 1991: a fixed UTC+8 offset. */
const OFFSET_MS = 8 * 60 * 60 * 1000;

/** `2024-11-17 23:59:59` as a wall-clock time in Asia/Shanghai. */
export function formatShanghai(instant: Date | string): string {
  const shifted = new Date(new Date(instant).getTime() + OFFSET_MS);
  return shifted.toISOString().slice(0, 19).replace('T', ' ');
}

/** The calendar date (YYYY-MM-DD) of an instant in Asia/Shanghai. */
export function shanghaiDate(instant: Date | string): string {
  return new Date(new Date(instant).getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** Adds calendar months to an instant as seen in Asia/Shanghai, clamping to the month's last day. */
export function addMonthsShanghai(instant: Date | string, months: number): Date {
  const local = new Date(new Date(instant).getTime() + OFFSET_MS);
  const day = local.getUTCDate();
  local.setUTCDate(1);
  local.setUTCMonth(local.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
  local.setUTCDate(Math.min(day, lastDay));
  return new Date(local.getTime() - OFFSET_MS);
}
