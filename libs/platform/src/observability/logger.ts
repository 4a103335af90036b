import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Paths whose values never reach a log line (pino `redact`): the Authorization header and cookies,
 * tokens, and the applicant's contact person (name and phone) wherever a profile is logged.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  '*.token',
  '*.authorization',
  'contact',
  '*.contact',
  '*.*.contact',
  '*.*.*.contact',
  'contactName',
  'contactPhone',
  '*.contactName',
  '*.contactPhone',
  'phone',
  '*.phone',
  '*.*.phone',
];

const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const BEARER = /\bBearer\s+[^\s"',;]+/gi;
/** Mainland mobile numbers (11 digits from 13–19) and landlines with an area code and a hyphen, not inside ids. */
const MOBILE = /(?<![\w-])(?:\+?86[- ]?)?1[3-9]\d{9}(?![\w-])/g;
const LANDLINE = /(?<![\w-])0\d{2,3}-\d{7,8}(?![\w-])/g;

/** Removes tokens and phone numbers from free text (messages, error messages and stacks). */
export function scrubText(text: string): string {
  return text.replace(JWT, '[redacted-token]').replace(BEARER, 'Bearer [redacted]').replace(MOBILE, '[redacted-phone]').replace(LANDLINE, '[redacted-phone]');
}

/** scrubText over the strings of a logged object (plain objects and arrays, four levels deep). */
function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth >= 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
}

function scrubError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(serialized).map(([key, value]) => [key, typeof value === 'string' ? scrubText(value) : value]));
}

/**
 * The process's logger: JSON lines `{"level","time","context","msg",…}` (ISO time, level names),
 * `error` and above to stderr and the rest to stdout (or everything to `destination`), with personal
 * data and tokens redacted (REDACTED_PATHS, scrubText).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const stream =
    destination ??
    pino.multistream(
      [
        { level: 'debug', stream: process.stdout },
        { level: 'error', stream: process.stderr },
      ],
      { dedupe: true },
    );
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: scrubError, error: scrubError },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => scrubValue(arg)) as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}

/** A logger that writes nothing (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

type Request = IncomingMessage & { correlationId?: string; originalUrl?: string };

/**
 * pino-http for nestjs-pino: the request's correlation id (set by configureHttpApp from
 * X-Correlation-Id, or generated) is bound to every line logged while serving it, as `correlationId`;
 * one access line per request (`msg:"request"`, method, path without the query string, status, ms);
 * no headers, bodies or query strings; 5xx at `error` without a stack (the ProblemFilter logs the
 * cause), everything else at `info`.
 */
export function pinoHttpOptions(logger: Logger): PinoHttpOptions {
  const pathOf = (req: Request) => (req.originalUrl ?? req.url ?? '').split('?')[0];
  const access = (req: Request, res: ServerResponse, ms: unknown) => ({ context: 'http', method: req.method, path: pathOf(req), status: res.statusCode, ms });
  return {
    logger,
    genReqId: (req: Request) => req.correlationId ?? randomUUID(),
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'correlationId', responseTime: 'ms' },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, value: { ms?: unknown }) => access(req as Request, res, value.ms),
    customErrorObject: (req, res, _error, value: { ms?: unknown }) => access(req as Request, res, value.ms),
  };
}
