/** How a refusal should be understood by a caller; the HTTP layer maps each kind to one status code. */
export type DomainErrorKind =
  /** The request breaks a business rule (422). */
  | 'rule'
  /** The aggregate is not in a state that allows the command (409). */
  | 'state'
  /** The thing addressed does not exist (404). */
  | 'not-found'
  /** The caller may not do this to this thing (403). */
  | 'forbidden';

export interface BilingualText {
  readonly zh: string;
  readonly en: string;
}

/**
 * A refusal with a stable code and a Chinese and English explanation. Codes are a public contract:
 * never rename one. Details hold machine-readable facts (a deadline, a remaining budget), never personal data.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    readonly text: BilingualText,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${code}: ${text.en}`);
  }
}
