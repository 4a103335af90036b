import { parseScaledDecimal } from '@ipstd/kernel';
import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';

export interface ExactDecimalOptions {
  /** Decimals allowed. */
  readonly scale: number;
  /** Inclusive bounds, in whole units. */
  readonly min: number;
  readonly max: number;
}

/**
 * A JSON number or a decimal string ("18.15", "1.5e1") with at most `scale` decimals, from min to
 * max, checked exactly with the kernel's parseScaledDecimal (never `x * 100`).
 */
export function IsExactDecimal(options: ExactDecimalOptions, validationOptions?: ValidationOptions): PropertyDecorator {
  const unit = 10 ** options.scale;
  return ValidateBy(
    {
      name: 'isExactDecimal',
      constraints: [options.scale, options.min, options.max],
      validator: {
        validate: (value: unknown) => {
          const parsed = parseScaledDecimal(value, options.scale);
          return parsed.ok && parsed.scaled >= options.min * unit && parsed.scaled <= options.max * unit;
        },
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a number or decimal string with at most $constraint1 decimals, from $constraint2 to $constraint3`,
          validationOptions,
        ),
      },
    },
    validationOptions,
  );
}

/**
 * The number a validated exact decimal stands for: a string becomes the double nearest its exact
 * value (the same double JSON would give for that text, so its shortest text is the decimal sent);
 * NaN if it is not a decimal at this scale, for the domain to refuse.
 */
export function exactDecimalNumber(value: number | string, scale: number): number {
  if (typeof value === 'number') return value;
  const parsed = parseScaledDecimal(value, scale);
  return parsed.ok ? parsed.scaled / 10 ** scale : Number.NaN;
}
