import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { NextFunction, Request, RequestHandler, Response, json } from 'express';
import { ProblemException } from '../errors/problem';
import { FORBIDDEN_KEYS, unknownFields } from './strict-input';

/** @nestjs/swagger's metadata key for @ApiConsumes: a route that takes something else than JSON says so there. */
const API_CONSUMES = 'swagger/apiConsumes';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_MEDIA = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

export interface BodyLimits {
  /** body-parser size limit, e.g. `1mb`. */
  readonly bodyLimit: string;
  /** Deepest nesting of arrays and objects accepted. */
  readonly maxDepth: number;
}

/** Thrown from body-parser's verify hook when the raw body nests deeper than allowed. */
class JsonTooDeepError extends Error {
  readonly type = 'json.too.deep';
  constructor(readonly maxDepth: number) {
    super(`JSON nests deeper than ${maxDepth}`);
  }
}

/**
 * Nesting depth of raw JSON text, counted in one pass over the bytes (no recursion, no parse):
 * brackets inside strings do not count. Stops as soon as the limit is passed.
 */
export function exceedsDepth(raw: Buffer, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export interface BodyDefect {
  readonly field: string;
  readonly kind: 'nul' | 'forbiddenKey';
}

/**
 * First NUL character or forbidden key (`__proto__`, `constructor`, `prototype`) in a parsed body,
 * walked with an explicit stack so no nesting can overflow the call stack.
 */
export function findBodyDefect(value: unknown): BodyDefect | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return { field: path, kind: 'nul' };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${path}[${i}]`]);
    } else if (current !== null && typeof current === 'object') {
      for (const key of Object.keys(current)) {
        const field = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return { field: path, kind: 'nul' };
        if (FORBIDDEN_KEYS.has(key)) return { field, kind: 'forbiddenKey' };
        stack.push([(current as Record<string, unknown>)[key], field]);
      }
    }
  }
  return null;
}

export function invalidCharacters(): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, 'INVALID_CHARACTERS', { zh: '请求内容含有不允许的 NUL 字符', en: 'The request contains NUL characters, which are not allowed' });
}

export function forbiddenKey(field: string, where: 'body' | 'query'): ProblemException {
  const zh = `${field}：不允许的字段`;
  const en = `${field}: unknown field`;
  return new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', { zh: '请求内容未通过校验', en: 'The request did not pass validation' }, {
    errors: [{ field: where === 'query' ? `query.${field}` : field, code: 'whitelistValidation', zh, en }],
  });
}

/** True when the request declares a body (Content-Length above 0 or Transfer-Encoding). */
export function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads the JSON body of a matched route after the guards before it (throttling, authentication)
 * have passed, so an anonymous or throttled caller never gets a body parsed. Refuses, as
 * problem+json: any Content-Encoding (415), a media type the route does not take (415), bodies over
 * the size limit (413) or nested deeper than the depth limit (400), malformed JSON (400), NUL
 * characters (400) and the keys `__proto__`, `constructor`, `prototype` in bodies and query strings (400).
 * Registered last with app.useGlobalGuards, after every APP_GUARD.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  private readonly parse: RequestHandler;

  constructor(private readonly reflector: Reflector, private readonly limits: BodyLimits) {
    this.parse = json({
      limit: limits.bodyLimit,
      type: (request) => JSON_MEDIA.test(mediaType(request as Request)),
      inflate: false,
      strict: true,
      verify: (_request, _response, raw) => {
        if (exceedsDepth(raw, limits.maxDepth)) throw new JsonTooDeepError(limits.maxDepth);
      },
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const query = request.query as Record<string, unknown> | undefined;
    const keys = Object.keys(query ?? {});
    for (const key of keys) if (FORBIDDEN_KEYS.has(key)) throw forbiddenKey(key, 'query');
    // A handler without @Query() takes no query string: any key is an unknown field.
    if (keys.length > 0 && !takesQuery(context)) throw unknownFields(keys, 'query.');
    if (!BODY_METHODS.has(request.method) || !hasBody(request) || request.body !== undefined) return true;
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_CONTENT_ENCODING', {
        zh: '不接受压缩或编码过的请求体（Content-Encoding），请发送未压缩的内容',
        en: 'Request bodies must not be compressed or encoded (Content-Encoding); send them as is',
      });
    }
    const consumes = this.reflector.getAllAndOverride<string[] | undefined>(API_CONSUMES, [context.getHandler(), context.getClass()]) ?? ['application/json'];
    const media = mediaType(request);
    const json = JSON_MEDIA.test(media);
    if (!(json ? consumes.some((c) => JSON_MEDIA.test(c)) : consumes.includes(media))) {
      throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', {
        zh: `请求体须为 ${consumes.join('、')}`,
        en: `The request body must be ${consumes.join(' or ')}`,
      }, { accepted: consumes });
    }
    if (!json) return true; // the handler reads the stream itself (e.g. text/csv statements)
    await new Promise<void>((resolve, reject) => this.parse(request, response, ((error?: unknown) => (error ? reject(error) : resolve())) as NextFunction));
    const defect = findBodyDefect(request.body);
    if (defect?.kind === 'nul') throw invalidCharacters();
    if (defect) throw forbiddenKey(defect.field, 'body');
    return true;
  }
}

function takesQuery(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
}

function mediaType(request: Request): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}
