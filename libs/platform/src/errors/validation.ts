import { HttpStatus, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FieldError, ProblemException } from './problem';

const CONSTRAINT_ZH: Record<string, string> = {
  whitelistValidation: '不允许的字段',
  isDefined: '必填',
  isNotEmpty: '不能为空',
  isString: '必须是字符串',
  isInt: '必须是整数',
  isNumber: '必须是数字',
  isExactDecimal: '必须是数字或十进制数字字符串，小数位数和取值在允许范围内',
  isBoolean: '必须是布尔值',
  isArray: '必须是数组',
  isIn: '取值不在允许范围内',
  isEnum: '取值不在允许范围内',
  min: '小于允许的最小值',
  max: '大于允许的最大值',
  maxLength: '过长',
  minLength: '过短',
  isLength: '长度不在允许范围内',
  isUUID: '必须是 UUID',
  isPositive: '必须是正数',
  matches: '格式不正确',
  isISO8601: '必须是带时区的 ISO-8601 时间',
  isDateString: '必须是日期',
  arrayMinSize: '元素太少',
  arrayMaxSize: '元素太多',
  arrayUnique: '元素不能重复',
  nestedValidation: '必须是对象',
  isObject: '必须是对象',
  isInstant: '必须是带秒和时区偏移的 RFC 3339 时间，例如 2024-11-17T23:59:59+08:00',
  isPosition: '必须是 0 到 9223372036854775807 之间的十进制整数',
};

function flatten(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, en]) => ({
      field,
      code: constraint,
      zh: `${field}：${CONSTRAINT_ZH[constraint] ?? '无效'}`,
      en: constraint === 'whitelistValidation' ? `${field}: unknown field` : en,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Global validation: unknown fields are refused, every problem is listed per field in both languages. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validateCustomDecorators: false,
    stopAtFirstError: false,
    exceptionFactory: (errors) =>
      new ProblemException(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        { zh: '请求内容未通过校验', en: 'The request did not pass validation' },
        { errors: flatten(errors) },
      ),
  });
}

/**
 * Validates a message that did not come through HTTP (a Kafka record) with the same DTO classes and
 * rules as the REST edge: unknown fields refused, every problem listed per field in both languages.
 */
export async function validateMessage<T extends object>(type: Type<T>, plain: unknown): Promise<{ ok: true; value: T } | { ok: false; errors: FieldError[] }> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, errors: [{ field: '', code: 'isObject', zh: '消息体必须是 JSON 对象', en: 'The message body must be a JSON object' }] };
  }
  if (containsNul(plain)) return { ok: false, errors: [{ field: '', code: 'nulCharacter', zh: '不允许包含 NUL 字符', en: 'NUL characters are not allowed' }] };
  if (nestingDepth(plain) > MAX_MESSAGE_DEPTH) return { ok: false, errors: [{ field: '', code: 'tooDeep', zh: `嵌套超过 ${MAX_MESSAGE_DEPTH} 层`, en: `The message nests deeper than ${MAX_MESSAGE_DEPTH} levels` }] };
  const value = plainToInstance(type, plain);
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: false });
  return errors.length ? { ok: false, errors: flatten(errors) } : { ok: true, value };
}

/** Deepest nesting a message may have before class-transformer (which recurses) sees it. */
const MAX_MESSAGE_DEPTH = 64;

/** Nesting depth of arrays and objects, with an explicit stack. */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const item of Object.values(current)) stack.push([item, depth + 1]);
  }
  return deepest;
}

/**
 * Rejects NUL characters anywhere in a JSON value (PostgreSQL cannot store them in text or jsonb),
 * walked with an explicit stack: a 50,000-deep array cannot overflow the call stack.
 */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}
