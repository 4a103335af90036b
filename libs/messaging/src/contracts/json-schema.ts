import { CREDIT_CODE_CHARACTERS } from '@ipstd/kernel';

/**
 * A small vocabulary for the JSON Schemas (draft 2020-12) of the integration contracts. Objects are
 * closed (`additionalProperties: false`) and every listed property is required unless wrapped in
 * `optional`, so a schema says exactly what a message carries.
 */
export type JsonSchema = Record<string, unknown>;

const OPTIONAL = Symbol('optional');
type Field = JsonSchema | { [OPTIONAL]: JsonSchema };

export const string = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
export const integer = (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra });
export const boolean = (): JsonSchema => ({ type: 'boolean' });
export const uuid = (): JsonSchema => string({ format: 'uuid' });
export const instant = (): JsonSchema => string({ format: 'date-time' });
export const date = (): JsonSchema => string({ format: 'date' });
/** Points of a score or pass mark: a JSON number with at most two decimal places (the domain counts hundredths). */
export const points = (description = 'points, at most two decimal places'): JsonSchema => ({ type: 'number', minimum: 0, description });
export const fen = (description = 'integer fen (1/100 yuan)'): JsonSchema => integer({ minimum: 0, description });
export const oneOf = (values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...values] });
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
export const array = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra });
export const optional = (schema: JsonSchema): Field => ({ [OPTIONAL]: schema });
export const creditCode = (): JsonSchema => string({ pattern: CREDIT_CODE_CHARACTERS.source, description: 'unified social credit code (GB 32100-2015)' });
export const division = (): JsonSchema => string({ pattern: '^[1-9][0-9]{5}$', description: 'GB/T 2260 administrative division code' });
export const bilingual = (): JsonSchema => object({ zh: string(), en: string() });

export function object(fields: Record<string, Field>, description?: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    if (OPTIONAL in field) {
      properties[name] = (field as { [OPTIONAL]: JsonSchema })[OPTIONAL];
    } else {
      properties[name] = field as JsonSchema;
      required.push(name);
    }
  }
  return { type: 'object', ...(description ? { description } : {}), properties, required, additionalProperties: false };
}
