import { STATUS_CODES, Server } from 'node:http';
import { Socket } from 'node:net';
import { HttpStatus, INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import { NextFunction, Request, Response } from 'express';
import { IdGenerator } from '@ipstd/kernel';
import { AppConfig } from '../config/config';
import { createValidationPipe } from '../errors/validation';
import { Problem, problemOf } from '../errors/problem';
import { JsonBodyGuard } from './body';
import { openApiDocument } from './openapi';

const CORRELATION = /^[A-Za-z0-9_\-.:]{1,128}$/;

/**
 * HTTP setup shared by every app and by the end-to-end tests: server timeouts, problem+json for
 * the errors Node's HTTP parser answers itself, correlation ids, access logs, body parsing after
 * throttling and authentication (JsonBodyGuard), validation and the OpenAPI document.
 */
export function configureHttpApp(app: INestApplication, config: AppConfig, ids: IdGenerator, options: { title: string; accessLog?: (entry: Record<string, unknown>) => void }): void {
  const express = app.getHttpAdapter().getInstance();
  express.disable('x-powered-by');
  express.set('trust proxy', config.http.trustProxyHops);
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
  app.useGlobalGuards(new JsonBodyGuard(app.get(Reflector), { bodyLimit: config.bodyLimit, maxDepth: config.bodyMaxDepth }));
  configureServer(app.getHttpServer() as Server, config);
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, openApiDocument(app, options.title), { jsonDocumentUrl: 'docs-json' });
}

/**
 * Timeouts for headers, whole requests and idle keep-alive connections, checked every second, and
 * problem+json (instead of Node's bare text) for what the HTTP parser refuses before Express runs:
 * malformed requests (400 MALFORMED_REQUEST), oversized headers (431 HEADERS_TOO_LARGE) and slow
 * clients (408 REQUEST_TIMEOUT).
 */
export function configureServer(server: Server, config: AppConfig): void {
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  // Read when the server starts listening; Node's default checks the two timeouts every 30 s only.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1000, config.http.headersTimeoutMs);
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(rawProblem(clientErrorProblem(error.code)));
  });
}

export function clientErrorProblem(code: string | undefined): Problem {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return problemOf(431, 'HEADERS_TOO_LARGE', { zh: '请求头过大', en: 'The request headers are too large' });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return problemOf(HttpStatus.REQUEST_TIMEOUT, 'REQUEST_TIMEOUT', { zh: '请求发送超时', en: 'The request was not received in time' });
    default:
      return problemOf(HttpStatus.BAD_REQUEST, 'MALFORMED_REQUEST', { zh: '请求不是有效的 HTTP 请求', en: 'The request is not valid HTTP' });
  }
}

function rawProblem(problem: Problem): string {
  const body = JSON.stringify(problem);
  return [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
