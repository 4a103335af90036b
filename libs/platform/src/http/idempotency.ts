import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
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
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(CLOCK) private readonly clock: Clock) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const response = context.switchToHttp().getResponse<Response>();
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method) || !request.principal) return next.handle();
    const key = headerToken(request, 'Idempotency-Key', 'IDEMPOTENCY_KEY_INVALID');
    if (!key) return next.handle();
    const principal = request.principal.sub;
    const fingerprint = sha256Hex(canonicalJson({ method: request.method, path: request.path, body: request.body ?? null }));
    return from(
      this.pool.query<{ fingerprint: string; status: number; headers: Record<string, string>; body: unknown }>(
        'select fingerprint, status, headers, body from http_idempotency where principal = $1 and idempotency_key = $2',
        [principal, key],
      ),
    ).pipe(
      switchMap(({ rows }) => {
        if (rows.length > 0) {
          const stored = rows[0];
          if (stored.fingerprint !== fingerprint) {
            throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', {
              zh: '该 Idempotency-Key 已用于内容不同的请求',
              en: 'This Idempotency-Key was already used with a different request',
            });
          }
          response.status(stored.status);
          for (const [name, value] of Object.entries(stored.headers)) response.setHeader(name, value);
          response.setHeader('Idempotent-Replayed', 'true');
          return of(stored.body);
        }
        // Stored before the response leaves, so a retry sent the moment it arrives finds it.
        return next.handle().pipe(
          concatMap(async (body) => {
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
