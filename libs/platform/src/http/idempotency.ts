import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { Pool } from 'pg';
import { Observable, concatMap, from, of, switchMap } from 'rxjs';
import { Clock, canonicalJson, sha256Hex } from '@ipstd/kernel';
import { Migration } from '../database/migrator';
import { ProblemException } from '../errors/problem';
import { APP_CONFIG, CLOCK, PG_POOL } from '../tokens';
import { AppConfig } from '../config/config';
import { Principal } from '../auth/principal';
import { headerToken } from './request-context';
import { STREAMED_BODY_MAX_BYTES, digestOfBody, hasUnparsedBody, streamedBodyDigest } from './streamed-body';

export const HTTP_IDEMPOTENCY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'stored responses of idempotent requests',
    sql: `
      create table http_idempotency (
        principal text not null,
        idempotency_key text not null,
        fingerprint text not null,
        status int not null,
        headers jsonb not null,
        body jsonb,
        created_at timestamptz not null default now(),
        primary key (principal, idempotency_key)
      );
      create index http_idempotency_created_idx on http_idempotency (created_at);
    `,
  },
];

const REPLAYED_HEADERS = ['etag', 'location'];

/**
 * Idempotency-Key on writes: the first successful response is stored per caller and key; the same
 * key with the same request gets that response again, with a different request it gets 422.
 * Concurrent duplicates are settled by the event store, which appends once per key.
 *
 * The fingerprint covers method, path and body. A JSON body is in it as parsed; a streamed body
 * (a route marked @StreamedBody, e.g. a text/csv statement) by the SHA-256 of its bytes: the handler
 * hashes them as it reads them (streamedBody), and a retry that finds a stored response has its body
 * read and hashed here before it is answered.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const response = context.switchToHttp().getResponse<Response>();
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method) || !request.principal) return next.handle();
    const key = headerToken(request, 'Idempotency-Key', 'IDEMPOTENCY_KEY_INVALID');
    if (!key) return next.handle();
    const streamed = hasUnparsedBody(request);
    const maxStreamedBytes = streamed ? this.reflector.get<number | undefined>(STREAMED_BODY_MAX_BYTES, context.getHandler()) : undefined;
    // A body nobody parsed and no route that hashes it: nothing to fingerprint it by.
    if (streamed && maxStreamedBytes === undefined) return next.handle();
    const principal = request.principal.sub;
    const fingerprintOf = (body: unknown) => sha256Hex(canonicalJson({ method: request.method, path: request.path, body }));
    // Taken before the handler runs, from the body as the caller sent it.
    const jsonFingerprint = streamed ? null : fingerprintOf(request.body ?? null);
    return from(
      this.pool.query<{ fingerprint: string; status: number; headers: Record<string, string>; body: unknown }>(
        'select fingerprint, status, headers, body from http_idempotency where principal = $1 and idempotency_key = $2',
        [principal, key],
      ),
    ).pipe(
      switchMap(async ({ rows }) => {
        if (rows.length === 0) return null;
        if (!streamed) return { stored: rows[0], fingerprint: jsonFingerprint };
        const digest = await digestOfBody(request, maxStreamedBytes!);
        // Longer than the route takes: it cannot be the request whose answer was stored.
        if (digest === null) response.setHeader('Connection', 'close');
        return { stored: rows[0], fingerprint: digest === null ? null : fingerprintOf({ sha256: digest }) };
      }),
      switchMap((hit) => {
        if (hit) {
          if (hit.stored.fingerprint !== hit.fingerprint) {
            throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', {
              zh: '该 Idempotency-Key 已用于内容不同的请求',
              en: 'This Idempotency-Key was already used with a different request',
            });
          }
          response.status(hit.stored.status);
          for (const [name, value] of Object.entries(hit.stored.headers)) response.setHeader(name, value);
          response.setHeader('Idempotent-Replayed', 'true');
          return of(hit.stored.body);
        }
        // Stored before the response leaves, so a retry sent the moment it arrives finds it.
        return next.handle().pipe(
          concatMap(async (body) => {
            const digest = streamed ? streamedBodyDigest(request) : undefined;
            // A streamed body the handler did not read to its end through streamedBody(): not stored.
            if (streamed && digest === undefined) return body;
            const fingerprint = streamed ? fingerprintOf({ sha256: digest }) : jsonFingerprint;
            const headers = Object.fromEntries(REPLAYED_HEADERS.filter((h) => response.getHeader(h) !== undefined).map((h) => [h, String(response.getHeader(h))]));
            await this.pool
              .query(
                `insert into http_idempotency (principal, idempotency_key, fingerprint, status, headers, body, created_at)
                 values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing`,
                [principal, key, fingerprint, response.statusCode, JSON.stringify(headers), JSON.stringify(body ?? null), this.clock.now()],
              )
              .catch(() => undefined);
            return body;
          }),
        );
      }),
    );
  }
}

/** Deletes stored responses older than the retention, at start and then hourly. */
@Injectable()
export class IdempotencyPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    void this.prune();
    this.timer = setInterval(() => void this.prune(), 3600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async prune(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.idempotencyRetentionHours * 3600_000);
    try {
      const { rowCount } = await this.pool.query('delete from http_idempotency where created_at < $1', [cutoff]);
      return rowCount ?? 0;
    } catch {
      return 0;
    }
  }
}
