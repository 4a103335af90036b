import { HttpStatus } from '@nestjs/common';
import { BilingualText } from '@ipstd/kernel';

export interface FieldError {
  readonly field: string;
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}

/** RFC 9457 problem details with the product's stable code and bilingual detail. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly detailZh: string;
  readonly detailEn: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** Raised by the HTTP edge (auth, preconditions, validation) and rendered as problem+json. */
export class ProblemException extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    readonly text: BilingualText,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(`${code}: ${text.en}`);
  }
}

export function problemOf(status: number, code: string, text: BilingualText, extensions: Record<string, unknown> = {}): Problem {
  return {
    ...extensions,
    type: `https://ipstd.example.gov.cn/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: code,
    status,
    code,
    detail: `${text.zh} / ${text.en}`,
    detailZh: text.zh,
    detailEn: text.en,
  };
}
