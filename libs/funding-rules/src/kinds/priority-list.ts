import { BilingualText } from '@ipstd/kernel';
import { PriorityListParams } from '../types';
import { bilingual, Check, kebabId, list, shape } from '../checks';

export const priorityListParams: Check = shape({ items: list(shape({ id: kebabId, title: bilingual }), { min: 1, unique: 'id' }) });

/**
 * 同等条件下优先支持 (004_39c6efd61937e065.txt 三, last paragraph): a tie-breaker, never a condition.
 * Items come out in the list's order so the result does not depend on how the applicant ordered them.
 */
export function priorityItems(params: PriorityListParams, awards: readonly string[]): { items: string[]; explanation: BilingualText } {
  const held = params.items.filter((entry) => awards.includes(entry.id));
  if (held.length === 0) return { items: [], explanation: { zh: '无优先支持情形', en: 'no priority-support item' } };
  return {
    items: held.map((entry) => entry.id),
    explanation: {
      zh: `同等条件下优先支持：${held.map((entry) => entry.title.zh).join('、')}`,
      en: `priority support, other things equal: ${held.map((entry) => entry.title.en).join('; ')}`,
    },
  };
}
