import { parseScaledDecimal } from '@ipstd/kernel';
import { Aggregation } from './programme';

/**
 * Expert review (专家评审, 004_39c6efd61937e065.txt 五). Scores are kept in hundredths of a point as
 * integers, so aggregation is exact and the same on every replay.
 */
export interface PanelExpert {
  readonly expertId: string;
  /** The expert's employer (credit code or organisation code). */
  readonly organisation: string;
  /** Credit codes of enterprises the expert is employed by or holds shares in (declared links). */
  readonly links: readonly string[];
}

export type ConflictReason = 'same-organisation' | 'declared-link' | 'self-declared';

/** Why an expert may not review an enterprise's application, or null. */
export function conflictOf(expert: PanelExpert, creditCode: string): ConflictReason | null {
  if (expert.organisation === creditCode) return 'same-organisation';
  if (expert.links.includes(creditCode)) return 'declared-link';
  return null;
}

/**
 * A score in exact hundredths when it has at most two decimals and lies within 0…maxPoints (whole
 * points), otherwise null. Read through the score's decimal text (kernel parseScaledDecimal), never
 * `points * 100`: 18.15 × 100 is 1814.9999999999998 in binary floating point.
 */
export function scoreHundredths(points: number | string, maxPoints: number): number | null {
  const parsed = parseScaledDecimal(points, 2);
  return parsed.ok && parsed.scaled >= 0 && parsed.scaled <= maxPoints * 100 ? parsed.scaled : null;
}
export const fromHundredths = (hundredths: number): number => hundredths / 100;

/**
 * The call's aggregation: the mean of the experts' totals, or with ≥ 5 experts the mean after
 * dropping one highest and one lowest total (去掉一个最高分和一个最低分). Rounded half up to a hundredth.
 */
export function aggregate(totals: readonly number[], aggregation: Aggregation): number {
  if (totals.length === 0) return 0;
  const sorted = [...totals].sort((a, b) => a - b);
  const kept = aggregation === 'trimmed-mean' && sorted.length >= 5 ? sorted.slice(1, -1) : sorted;
  const sum = kept.reduce((s, t) => s + t, 0);
  return Math.floor((2 * sum + kept.length) / (2 * kept.length));
}

export interface RankingEntry {
  readonly applicationId: string;
  /** Review aggregate plus defense aggregate, in hundredths. */
  readonly scoreHundredths: number;
  /** Priority-support items (SZ24-P): break ties "同等条件下". */
  readonly priorityItems: number;
  readonly submittedAt: string;
}

/** Deterministic rank: score, then priority items, then earlier submission, then id. */
export function rank(entries: readonly RankingEntry[]): RankingEntry[] {
  return [...entries].sort(
    (a, b) =>
      b.scoreHundredths - a.scoreHundredths ||
      b.priorityItems - a.priorityItems ||
      a.submittedAt.localeCompare(b.submittedAt) ||
      a.applicationId.localeCompare(b.applicationId),
  );
}
