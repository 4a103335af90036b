import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { DomainError, DomainErrorKind } from '@ipstd/kernel';
import { IdempotencyKeyConflictError, InvalidEventError, WrongExpectedRevisionError } from '@ipstd/event-store';
import { Problem, ProblemException, problemOf } from './problem';

const KIND_STATUS: Record<DomainErrorKind, HttpStatus> = {
  rule: HttpStatus.UNPROCESSABLE_ENTITY,
  state: HttpStatus.CONFLICT,
  'not-found': HttpStatus.NOT_FOUND,
  forbidden: HttpStatus.FORBIDDEN,
};

/** The one place where every error becomes an HTTP response: problem+json, never a stack trace. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const problem = { ...this.toProblem(exception), instance: request.originalUrl?.split('?')[0] };
    if (problem.status >= 500) {
      this.logger.error({ msg: 'request failed', path: request.originalUrl, method: request.method, error: describe(exception) });
    }
    if (response.headersSent) return;
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof ProblemException) return problemOf(exception.status, exception.code, exception.text, exception.extensions);
    if (exception instanceof DomainError) return problemOf(KIND_STATUS[exception.kind], exception.code, exception.text, { ...exception.details });
    if (exception instanceof WrongExpectedRevisionError) {
      return problemOf(HttpStatus.CONFLICT, 'CONCURRENT_MODIFICATION', {
        zh: '数据已被其他操作修改，请重新读取后再试',
        en: 'Someone else changed this record first; read it again and retry',
      }, { currentRevision: exception.actual === null ? null : exception.actual.toString() });
    }
    if (exception instanceof IdempotencyKeyConflictError) {
      return problemOf(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', {
        zh: '该 Idempotency-Key 已用于另一请求',
        en: 'This Idempotency-Key was already used for a different request',
      });
    }
    if (exception instanceof InvalidEventError) {
      return problemOf(HttpStatus.BAD_REQUEST, 'INVALID_INPUT', { zh: '请求内容无法保存', en: `The request cannot be stored: ${exception.message}` });
    }
    const bodyError = bodyParserProblem(exception);
    if (bodyError) return bodyError;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND) {
        return problemOf(status, 'ROUTE_NOT_FOUND', { zh: '没有这个接口', en: 'No such endpoint' });
      }
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return problemOf(status, 'PAYLOAD_TOO_LARGE', { zh: '请求体过大', en: 'The request body is too large' });
      }
      if (status === HttpStatus.BAD_REQUEST) {
        return problemOf(status, 'MALFORMED_REQUEST', { zh: '请求无效', en: 'The request is not valid' });
      }
      if (status < 500) {
        return problemOf(status, `HTTP_${status}`, { zh: '请求无效', en: exception.message });
      }
    }
    // http-errors raised by Express itself (e.g. a path that is not valid percent-encoding).
    const status = (exception as { status?: unknown; expose?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500 && (exception as { expose?: unknown }).expose === true) {
      return problemOf(status, status === 400 ? 'MALFORMED_REQUEST' : `HTTP_${status}`, { zh: '请求无效', en: 'The request is not valid' });
    }
    return problemOf(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', {
      zh: '服务器内部错误，已记录，请稍后重试',
      en: 'Internal error; it has been logged, please retry later',
    });
  }
}

/** body-parser's errors (raised by JsonBodyGuard) as problems with stable codes. */
function bodyParserProblem(exception: unknown): Problem | null {
  const error = exception as { type?: unknown; limit?: unknown; maxDepth?: unknown; status?: unknown } | null;
  if (!error || typeof error.type !== 'string') return null;
  switch (error.type) {
    case 'entity.too.large':
      return problemOf(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', { zh: `请求体超过 ${error.limit} 字节上限`, en: `The request body exceeds the limit of ${error.limit} bytes` }, { limitBytes: error.limit });
    case 'json.too.deep':
      return problemOf(HttpStatus.BAD_REQUEST, 'JSON_TOO_DEEP', { zh: `请求体嵌套超过 ${error.maxDepth} 层`, en: `The request body nests deeper than ${error.maxDepth} levels` }, { maxDepth: error.maxDepth });
    case 'entity.parse.failed':
      return problemOf(HttpStatus.BAD_REQUEST, 'MALFORMED_JSON', { zh: '请求体不是有效的 JSON', en: 'The request body is not valid JSON' });
    case 'encoding.unsupported':
      return problemOf(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_CONTENT_ENCODING', { zh: '不接受压缩或编码过的请求体（Content-Encoding），请发送未压缩的内容', en: 'Request bodies must not be compressed or encoded (Content-Encoding); send them as is' });
    case 'charset.unsupported':
      return problemOf(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_CHARSET', { zh: 'JSON 请求体须为 UTF-8 编码', en: 'JSON request bodies must be UTF-8' });
    case 'request.aborted':
    case 'request.size.invalid':
      return problemOf(HttpStatus.BAD_REQUEST, 'BODY_INCOMPLETE', { zh: '请求体不完整或与 Content-Length 不符', en: 'The request body is incomplete or does not match Content-Length' });
    default:
      return typeof error.status === 'number' && error.status >= 400 && error.status < 500
        ? problemOf(HttpStatus.BAD_REQUEST, 'MALFORMED_BODY', { zh: '请求体无法读取', en: 'The request body cannot be read' })
        : null;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}
