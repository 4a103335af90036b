import { ExecutionContext, HttpStatus, createParamDecorator } from '@nestjs/common';
import { Request } from 'express';
import { ProblemException } from '../errors/problem';
import { parsePosition } from './strict-input';
import { actorOf, Principal } from '../auth/principal';
import { CommandContext } from '../commands/command-context';

const TOKEN = /^[A-Za-z0-9_\-.:]{1,128}$/;

/** Parses `If-Match: "3"` (or W/"3") into a stream revision. */
export function parseIfMatch(header: string | undefined): bigint | null {
  if (header === undefined || header === '') return null;
  // The revision inside the quotes is read by the same strict parser as every position: 0 … 2^63−1.
  const match = /^(?:W\/)?"([0-9]{1,19})"$/.exec(header.trim());
  const revision = match ? parsePosition(match[1]) : null;
  if (revision === null) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'IF_MATCH_INVALID', {
      zh: 'If-Match 必须是此前响应中的 ETag，例如 "3"',
      en: 'If-Match must be an ETag from an earlier response, such as "3"',
    });
  }
  return revision;
}

export function etagOf(revision: bigint): string {
  return `"${revision.toString()}"`;
}

export function headerToken(request: Request, name: string, code: string): string | null {
  const value = request.header(name);
  if (value === undefined || value === '') return null;
  if (!TOKEN.test(value)) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, code, {
      zh: `${name} 只能包含字母、数字和 _-.:，最长 128 个字符`,
      en: `${name} may hold only letters, digits and _-.: and at most 128 characters`,
    });
  }
  return value;
}

/** Builds the command context from the authenticated caller and the request headers. */
export function commandContextOf(request: Request & { principal: Principal; correlationId?: string }): CommandContext {
  return {
    actor: actorOf(request.principal),
    correlationId: request.correlationId ?? 'none',
    causationId: headerToken(request, 'X-Causation-Id', 'CAUSATION_ID_INVALID'),
    idempotencyKey: headerToken(request, 'Idempotency-Key', 'IDEMPOTENCY_KEY_INVALID'),
    expectedRevision: parseIfMatch(request.header('If-Match')),
  };
}

export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => commandContextOf(context.switchToHttp().getRequest()));
