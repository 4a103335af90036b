import { BilingualText } from '@ipstd/kernel';
import { StandardLevel } from './profile';

export const LEVEL_TEXT: Readonly<Record<StandardLevel, BilingualText>> = {
  international: { zh: '国际', en: 'international' },
  national: { zh: '国家', en: 'national' },
  industry: { zh: '行业', en: 'industry' },
  local: { zh: '地方', en: 'local' },
  group: { zh: '团体', en: 'group' },
  enterprise: { zh: '企业', en: 'enterprise' },
};

export function levelsText(levels: readonly StandardLevel[]): BilingualText {
  return { zh: levels.map((l) => LEVEL_TEXT[l].zh).join('、'), en: levels.map((l) => LEVEL_TEXT[l].en).join('/') };
}

/** Joins the parts of an explanation into one sentence per language. */
export function joinTexts(parts: readonly BilingualText[]): BilingualText {
  return { zh: parts.map((p) => p.zh).join('；'), en: parts.map((p) => p.en).join('; ') };
}

export function compare(value: number, min: number): BilingualText {
  return value >= min ? { zh: '≥', en: '≥' } : { zh: '<', en: '<' };
}

/** Hundredths as a number with two decimals, for scores. */
export function twoDecimals(hundredths: number): string {
  return (hundredths / 100).toFixed(2);
}
