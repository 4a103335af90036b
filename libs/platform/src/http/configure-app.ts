import { HttpStatus, INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NextFunction, Request, Response, json } from 'express';
import { IdGenerator } from '@ipstd/kernel';
import { AppConfig } from '../config/config';
import { containsNul, createValidationPipe } from '../errors/validation';
import { problemOf } from '../errors/problem';

const CORRELATION = /^[A-Za-z0-9_\-.:]{1,128}$/;

/**
 * HTTP setup shared by every app and by the end-to-end tests: body limits, problem+json for body
 * errors, correlation ids, access logs, validation and the OpenAPI document.
 */
export function configureHttpApp(app: INestApplication, config: AppConfig, ids: IdGenerator, options: { title: string; accessLog?: (entry: Record<string, unknown>) => void }): void {
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  app.use((request: Request & { correlationId?: string }, response: Response, next: NextFunction) => {
    const given = request.header('X-Correlation-Id');
    request.correlationId = given && CORRELATION.test(given) ? given : ids.next();
    response.setHeader('X-Correlation-Id', request.correlationId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      options.accessLog?.({
        msg: 'request',
        method: request.method,
        path: request.originalUrl.split('?')[0],
        status: response.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        correlationId: request.correlationId,
      });
    });
    next();
  });
  app.use(json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (containsNul(request.body)) {
      sendProblem(response, problemOf(HttpStatus.BAD_REQUEST, 'INVALID_CHARACTERS', { zh: '请求内容含有不允许的 NUL 字符', en: 'The request contains NUL characters, which are not allowed' }));
      return;
    }
    next();
  });
  app.use((error: { type?: string; status?: number }, _request: Request, response: Response, next: NextFunction) => {
    if (error?.type === 'entity.too.large') {
      sendProblem(response, problemOf(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', { zh: `请求体超过 ${config.bodyLimit} 上限`, en: `The request body exceeds the ${config.bodyLimit} limit` }));
      return;
    }
    if (error?.type) {
      sendProblem(response, problemOf(HttpStatus.BAD_REQUEST, 'MALFORMED_JSON', { zh: '请求体不是有效的 JSON', en: 'The request body is not valid JSON' }));
      return;
    }
    next(error);
  });
  app.useGlobalPipes(createValidationPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription('IP-and-standards integration funding programmes (Suzhou 2024, Rizhao pilot). Errors are application/problem+json with a stable code and Chinese + English detail.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

function sendProblem(response: Response, problem: ReturnType<typeof problemOf>): void {
  response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
