import { BilingualText } from '@ipstd/kernel';
import { CreditCheck, BreachOutcome, ClauseOutcome } from '../types';
import { EligibilityProfile } from '../profile';
import { joinTexts } from '../text';

/** Where a credit fact came from: another system's push overrides the applicant's declaration. */
export type FactSource = 'pushed-fact' | 'profile';

export interface EligibilityContext {
  readonly profile: EligibilityProfile;
  /** YYYY-MM-DD, Asia/Shanghai: the call's deadline for an application. */
  readonly referenceDate: string;
  readonly credit: { readonly [C in CreditCheck]: { readonly value: boolean; readonly source: FactSource } };
}

export interface Verdict {
  readonly outcome: ClauseOutcome;
  readonly inputs: Record<string, unknown>;
  readonly explanation: BilingualText;
}

/** One condition of a clause: whether it holds, what breaking it leads to, and the sentence that says so. */
export interface Part {
  readonly ok: boolean;
  readonly breach: BreachOutcome;
  readonly text: BilingualText;
}

export function part(ok: boolean, breach: BreachOutcome, held: BilingualText, broken: BilingualText): Part {
  return { ok, breach, text: ok ? held : broken };
}

/** The clause's outcome is its worst part's: any fail, else any finding, else pass. */
export function verdict(parts: readonly Part[], inputs: Record<string, unknown>): Verdict {
  const broken = parts.filter((p) => !p.ok);
  const outcome = broken.some((p) => p.breach === 'fail') ? 'fail' : broken.length > 0 ? 'finding' : 'pass';
  return { outcome, inputs, explanation: joinTexts(parts.map((p) => p.text)) };
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
