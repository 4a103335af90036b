import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerRequest } from '@nestjs/throttler';
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
