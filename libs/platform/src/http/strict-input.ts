import { HttpStatus } from '@nestjs/common';
import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';
import { ProblemException } from '../errors/problem';

/**
 * The one strict parser for values that arrive as text in a query string, a header or a cursor
 * (docs/api-guide.md, "Input rules"). Every function returns null for anything outside its profile;
 * callers turn that into a 400 with a stable code, never a 500 and never a silent empty page.
 */

/** Largest position or revision: PostgreSQL bigint, EventStoreDB's signed 64-bit revisions. */
export const MAX_POSITION = 2n ** 63n - 1n;
const POSITION = /^(?:0|[1-9][0-9]{0,18})$/;

/** A position or revision: decimal digits only, no sign, no exponent, 0 … 2^63−1. */
export function parsePosition(text: unknown): bigint | null {
  if (typeof text !== 'string' || !POSITION.test(text)) return null;
  const value = BigInt(text);
  return value <= MAX_POSITION ? value : null;
}

/**
 * The instant profile: RFC 3339 `date-time` with upper-case `T`, seconds required, an optional
 * fraction of 1–9 digits, and `Z` or an offset `±HH:MM` of at most 14:00; years 0001–9999; the
 * date and time must exist (no 2024-02-30, no 24:00, no leap second). Week dates (`2024-W01-1`),
 * ordinal dates, comma fractions, expanded years (`+2024-…`) and missing offsets are refused.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

export function parseInstant(text: unknown): Date | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const match = INSTANT.exec(text);
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number);
  const fraction = match[7] ?? '';
  const sign = match[8] === '-' ? -1 : 1;
  const offsetHours = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinutes = match[10] === undefined ? 0 : Number(match[10]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  if (offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60) return null;
  const daysInMonth = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !isLeap(y) ? 1 : 0);
  if (d > daysInMonth) return null;
  const local = new Date(0);
  local.setUTCFullYear(y, mo - 1, d);
  local.setUTCHours(h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const ms = local.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Number.isFinite(ms) ? new Date(ms) : null;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What one element of a cursor must be. */
export type CursorPart = 'instant' | 'uuid' | 'revision';

const CURSOR_PART: Record<CursorPart, (value: unknown) => boolean> = {
  instant: (v) => typeof v === 'string' && parseInstant(v) !== null,
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  revision: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
};

export function cursorInvalid(): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, 'CURSOR_INVALID', { zh: '分页游标无效，请使用上一页返回的 nextCursor', en: 'Invalid cursor; pass the nextCursor of the previous page' });
}

/** Opaque keyset cursor: base64url of the JSON array of the last row's sort key. */
export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Decodes a cursor and checks every element against its part; anything else is CURSOR_INVALID. */
export function decodeCursor(cursor: string | undefined, parts: readonly CursorPart[]): unknown[] | null {
  if (cursor === undefined || cursor === '') return null;
  if (typeof cursor !== 'string' || cursor.length > 500 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw cursorInvalid();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw cursorInvalid();
  }
  if (!Array.isArray(values) || values.length !== parts.length || !values.every((v, i) => CURSOR_PART[parts[i]](v))) throw cursorInvalid();
  return values;
}

/** Keys that are never field names: refused wherever keys arrive (bodies, query strings). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function unknownFields(fields: readonly string[], prefix: string): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', { zh: '请求内容未通过校验', en: 'The request did not pass validation' }, {
    errors: fields.map((f) => ({ field: `${prefix}${f}`, code: 'whitelistValidation', zh: `${prefix}${f}：不允许的字段`, en: `${prefix}${f}: unknown field` })),
  });
}

/**
 * For handlers that read their query string without a DTO: every key must be one of `allowed` and
 * appear once (a repeated key arrives as an array and is refused as well).
 */
export function requireQueryKeys(query: Record<string, unknown> | undefined, allowed: readonly string[]): void {
  const keys = Object.keys(query ?? {});
  const unknown = keys.filter((k) => !allowed.includes(k));
  if (unknown.length) throw unknownFields(unknown, 'query.');
  const repeated = keys.filter((k) => typeof query![k] !== 'string');
  if (repeated.length) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', { zh: '请求内容未通过校验', en: 'The request did not pass validation' }, {
      errors: repeated.map((f) => ({ field: `query.${f}`, code: 'isString', zh: `query.${f}：只能出现一次`, en: `query.${f}: give it once` })),
    });
  }
}

/** A body that must be a JSON object (for handlers that take one without a DTO). */
export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', { zh: '请求内容未通过校验', en: 'The request did not pass validation' }, {
      errors: [{ field: '', code: 'isObject', zh: '请求体必须是 JSON 对象', en: 'The request body must be a JSON object' }],
    });
  }
  return body as Record<string, unknown>;
}

/** class-validator rule for a query or body field holding an instant in the profile above. */
export function IsInstant(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => parseInstant(value) !== null,
        defaultMessage: buildMessage((each) => `${each}$property must be an RFC 3339 instant with seconds and an offset, e.g. 2024-11-17T23:59:59+08:00`, validationOptions),
      },
    },
    validationOptions,
  );
}

/** class-validator rule for a position or revision written as decimal text, 0 … 2^63−1. */
export function IsPosition(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPosition',
      validator: {
        validate: (value: unknown) => parsePosition(value) !== null,
        defaultMessage: buildMessage((each) => `${each}$property must be a whole number from 0 to 9223372036854775807 written in digits`, validationOptions),
      },
    },
    validationOptions,
  );
}
