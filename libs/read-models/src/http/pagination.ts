import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '@ipstd/platform';

/** Opaque keyset cursor: the sort key of the last row of the previous page. */
export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | null {
  if (!cursor) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((v) => typeof v === 'string' || typeof v === 'number')) return values;
  } catch {
    // fall through to the problem below
  }
  throw new ProblemException(HttpStatus.BAD_REQUEST, 'CURSOR_INVALID', { zh: '分页游标无效，请使用上一页返回的 nextCursor', en: 'Invalid cursor; pass the nextCursor of the previous page' });
}
