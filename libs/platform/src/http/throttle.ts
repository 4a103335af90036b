import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerRequest, ThrottlerStorage } from '@nestjs/throttler';
import { Response } from 'express';
import { ProblemException } from '../errors/problem';
import { AppConfig } from '../config/config';

/** Per client IP, counted before authentication: anonymous floods stop here without a token check. */
export const IP_THROTTLER = 'ip';
/** Per token subject, counted after authentication. */
export const SUBJECT_THROTTLER = 'subject';

/** The throttler settings of AppConfig for ThrottlerModule.forRoot. Counters are per process, in memory. */
export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  const ttl = config.throttle.windowSeconds * 1000;
  return {
    setHeaders: false,
    storage: new SlidingLogThrottlerStorage(),
    // One counter per caller for the whole API, not one per route.
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    throttlers: [
      { name: IP_THROTTLER, ttl, limit: config.throttle.ipLimit },
      {
        name: SUBJECT_THROTTLER,
        ttl,
        limit: config.throttle.subjectLimit,
        getTracker: (request) => String((request.principal as { sub?: string } | undefined)?.sub ?? ''),
        skipIf: (context) => !context.switchToHttp().getRequest<{ principal?: unknown }>().principal,
      },
    ],
  };
}

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** One caller's hits under one throttler: expiry times in the order they were counted, oldest first. */
interface HitLog {
  expiries: number[];
  /** Index of the oldest hit still inside the window; everything before it has expired. */
  head: number;
  /** While a caller who went over the limit is refused (0: not blocked). */
  blockedUntil: number;
}

/**
 * The in-memory throttler storage, counting exactly like @nestjs/throttler's own (a sliding log of
 * hits; over the limit, the caller is refused for the block duration, then counted afresh) in
 * constant time per request. The library's storage copies a caller's whole log (filtering out the
 * expired hits) on every request, so each request costs time in proportion to the hits in the window:
 * with one client IP behind a gateway at the default limit, 3,000 entries per request. Here hits expire from the front of the log: with one
 * window per throttler they are appended in expiry order, so a head index passes over expired ones.
 * Callers idle for a whole window are swept out once a minute.
 */
export class SlidingLogThrottlerStorage implements ThrottlerStorage {
  private readonly logs = new Map<string, HitLog>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly now: () => number = Date.now, private readonly sweepIntervalMs = 60_000) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return this.hit(`${throttlerName}\u0000${key}`, ttl, limit, blockDuration);
  }

  /** The synchronous core of increment (unit-tested). */
  hit(id: string, ttl: number, limit: number, blockDuration: number): ThrottlerStorageRecord {
    this.startSweeper();
    const now = this.now();
    let log = this.logs.get(id);
    if (!log) {
      log = { expiries: [], head: 0, blockedUntil: 0 };
      this.logs.set(id, log);
    }
    expire(log, now);
    if (log.blockedUntil > now) {
      return { totalHits: live(log), timeToExpire: secondsUntil(log.expiries[log.head] ?? now, now), isBlocked: true, timeToBlockExpire: secondsUntil(log.blockedUntil, now) };
    }
    if (log.blockedUntil !== 0) {
      // The block is over: counted afresh, as the library does.
      log.expiries = [];
      log.head = 0;
      log.blockedUntil = 0;
    }
    log.expiries.push(now + ttl);
    const totalHits = live(log);
    if (totalHits > limit) log.blockedUntil = now + Math.max(blockDuration, 1);
    const isBlocked = log.blockedUntil > now;
    return { totalHits, timeToExpire: secondsUntil(log.expiries[log.head], now), isBlocked, timeToBlockExpire: isBlocked ? secondsUntil(log.blockedUntil, now) : 0 };
  }

  /** Callers tracked now (for tests and the sweep). */
  get size(): number {
    return this.logs.size;
  }

  /** Forgets callers with no hit left in their window and no block in force. */
  sweep(): void {
    const now = this.now();
    for (const [id, log] of this.logs) {
      expire(log, now);
      if (live(log) === 0 && log.blockedUntil <= now) this.logs.delete(id);
    }
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.sweeper.unref();
  }
}

function expire(log: HitLog, now: number): void {
  const { expiries } = log;
  while (log.head < expiries.length && expiries[log.head] <= now) log.head++;
  // Drop the expired prefix once it is most of the array (amortised constant time per hit).
  if (log.head > 64 && log.head * 2 > expiries.length) {
    log.expiries = expiries.slice(log.head);
    log.head = 0;
  }
}

const live = (log: HitLog): number => log.expiries.length - log.head;
const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000));

/** 429 problem+json with Retry-After in whole seconds. */
abstract class ProblemThrottlerGuard extends ThrottlerGuard {
  protected abstract readonly throttlerName: string;

  protected override async handleRequest(requestProps: ThrottlerRequest): Promise<boolean> {
    if (requestProps.throttler.name !== this.throttlerName) return true;
    return super.handleRequest(requestProps);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'RATE_LIMITED', {
      zh: `请求过于频繁，请 ${retryAfter} 秒后重试`,
      en: `Too many requests; retry in ${retryAfter} s`,
    }, { retryAfterSeconds: retryAfter, limit: detail.limit, windowSeconds: Math.round(detail.ttl / 1000) });
  }
}

/** Registered before the AuthGuard. */
@Injectable()
export class IpThrottlerGuard extends ProblemThrottlerGuard {
  protected readonly throttlerName = IP_THROTTLER;
}

/** Registered after the AuthGuard, when the request carries a principal. */
@Injectable()
export class SubjectThrottlerGuard extends ProblemThrottlerGuard {
  protected readonly throttlerName = SUBJECT_THROTTLER;
}
