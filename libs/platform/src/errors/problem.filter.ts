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
    const bodyParserType = (exception as { type?: string })?.type;
    if (bodyParserType === 'entity.too.large') {
      return problemOf(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', { zh: '请求体过大', en: 'The request body is too large' });
    }
    if (bodyParserType === 'entity.parse.failed' || bodyParserType === 'encoding.unsupported' || bodyParserType === 'charset.unsupported') {
      return problemOf(HttpStatus.BAD_REQUEST, 'MALFORMED_JSON', { zh: '请求体不是有效的 JSON', en: 'The request body is not valid JSON' });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND) {
        return problemOf(status, 'ROUTE_NOT_FOUND', { zh: '没有这个接口', en: 'No such endpoint' });
      }
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return problemOf(status, 'PAYLOAD_TOO_LARGE', { zh: '请求体过大', en: 'The request body is too large' });
      }
      if (status < 500) {
        return problemOf(status, `HTTP_${status}`, { zh: '请求无效', en: exception.message });
      }
    }
    return problemOf(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', {
      zh: '服务器内部错误，已记录，请稍后重试',
      en: 'Internal error; it has been logged, please retry later',
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}
