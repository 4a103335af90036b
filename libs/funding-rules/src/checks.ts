import { BilingualText, parseScaledDecimal } from '@ipstd/kernel';
import { isIsoDate } from './calendar';

/** One thing wrong with a rule set, at a field path such as `clauses[2].params.pctRatio`. */
export interface RuleSetProblem {
  readonly path: string;
  readonly text: BilingualText;
}

/** Checks one value and appends what is wrong with it; never throws. */
export type Check = (value: unknown, path: string, out: RuleSetProblem[]) => void;

export function report(out: RuleSetProblem[], path: string, zh: string, en: string): void {
  out.push({ path, text: { zh, en } });
}

export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const anything: Check = () => undefined;

export const bool: Check = (value, path, out) => {
  if (typeof value !== 'boolean') report(out, path, '必须是布尔值', 'must be a boolean');
};

export function integer(min: number, max?: number): Check {
  const range = max === undefined ? { zh: `不小于 ${min} 的整数`, en: `an integer ≥ ${min}` } : { zh: `${min} 到 ${max} 之间的整数`, en: `an integer from ${min} to ${max}` };
  return (value, path, out) => {
    if (!Number.isInteger(value) || (value as number) < min || (max !== undefined && (value as number) > max)) {
      report(out, path, `必须是${range.zh}`, `must be ${range.en}`);
    }
  };
}

/**
 * A finite number from min to max; with `scale`, also at most that many decimals, checked exactly
 * (kernel parseScaledDecimal), for values later kept as integers (points in hundredths).
 */
export function decimal(min: number, max: number, exclusiveMin = false, scale?: number): Check {
  return (value, path, out) => {
    const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
    if (!ok) {
      const bound = exclusiveMin ? `大于 ${min}` : `不小于 ${min}`;
      report(out, path, `必须是${bound}且不大于 ${max} 的数`, `must be a number ${exclusiveMin ? '>' : '≥'} ${min} and ≤ ${max}`);
    } else if (scale !== undefined && !parseScaledDecimal(value, scale).ok) {
      report(out, path, `最多 ${scale} 位小数`, `must have at most ${scale} decimals`);
    }
  };
}

export function pattern(regex: RegExp, zh: string, en: string): Check {
  return (value, path, out) => {
    if (typeof value !== 'string' || !regex.test(value)) report(out, path, `必须是${zh}`, `must be ${en}`);
  };
}

export const text: Check = pattern(/\S/, '非空文本', 'non-empty text');
export const kebabId: Check = pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, '小写字母、数字和连字符组成的标识', 'a kebab-case identifier');
export const clauseId: Check = pattern(/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/, '字母、数字和连字符组成的标识', 'an identifier of letters, digits and hyphens');
export const isoDate: Check = (value, path, out) => {
  if (typeof value !== 'string' || !isIsoDate(value)) report(out, path, '必须是有效日期 YYYY-MM-DD', 'must be a valid date YYYY-MM-DD');
};

export function oneOf(values: readonly string[]): Check {
  return (value, path, out) => {
    if (typeof value !== 'string' || !values.includes(value)) {
      report(out, path, `必须是以下之一：${values.join('、')}`, `must be one of: ${values.join(', ')}`);
    }
  };
}

export function nullable(check: Check): Check {
  return (value, path, out) => {
    if (value !== null) check(value, path, out);
  };
}

/** An array of items; `unique` compares whole items (`true`) or the named field of each item. */
export function list(item: Check, options: { min?: number; unique?: boolean | string } = {}): Check {
  return (value, path, out) => {
    if (!Array.isArray(value)) return report(out, path, '必须是数组', 'must be an array');
    const min = options.min ?? 0;
    if (value.length < min) report(out, path, `至少需要 ${min} 项`, `needs at least ${min} item(s)`);
    value.forEach((v, i) => item(v, at(path, i), out));
    const { unique } = options;
    if (!unique) return;
    const keys = value.map((v) => (typeof unique === 'string' ? (isObject(v) ? v[unique] : undefined) : v));
    keys.forEach((key, i) => {
      const first = keys.indexOf(key);
      if (key !== undefined && first !== i) {
        report(out, typeof unique === 'string' ? at(at(path, i), unique) : at(path, i), `与第 ${first + 1} 项重复`, `duplicates item ${first}`);
      }
    });
  };
}

/** An object with exactly these fields; fields named in `optional` may be absent. */
export function shape(fields: Readonly<Record<string, Check>>, optional: readonly string[] = []): Check {
  return (value, path, out) => {
    if (!isObject(value)) return report(out, path, '必须是对象', 'must be an object');
    for (const [key, check] of Object.entries(fields)) {
      if (value[key] === undefined) {
        if (!optional.includes(key)) report(out, at(path, key), '缺少必填项', 'is required');
      } else {
        check(value[key], at(path, key), out);
      }
    }
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(fields, key)) report(out, at(path, key), '不是可识别的字段', 'is not a known field');
    }
  };
}

export const bilingual: Check = shape({ zh: text, en: text });
