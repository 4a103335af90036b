import { Controller, Get, HttpStatus, Inject, Optional, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Response } from 'express';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { Public } from '../auth/decorators';

/** Reports how far projections are behind the log, for readiness. */
export interface ProjectionLagSource {
  lag(): Promise<{ head: bigint; projections: Record<string, bigint> }>;
  status(): ReadonlyArray<{ name: string; running: boolean; lastError: string | null }>;
}
export const PROJECTION_LAG = Symbol('PROJECTION_LAG');

/** A projection further behind than this many events makes the process not ready. */
const MAX_READY_LAG = 10_000n;

@ApiTags('operations')
@SkipThrottle({ ip: true, subject: true })
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(PROJECTION_LAG) private readonly projections?: ProjectionLagSource,
  ) {}

  @Public()
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const checks: Record<string, unknown> = {};
    let ok = true;
    try {
      await this.store.ping();
      checks.eventStore = { status: 'ok' };
    } catch (error) {
      ok = false;
      checks.eventStore = { status: 'down', error: (error as Error).message };
    }
    if (this.projections && ok) {
      try {
        const lag = await this.projections.lag();
        const status = this.projections.status();
        const behind = Object.values(lag.projections).some((l) => l > MAX_READY_LAG);
        const failing = status.filter((s) => !s.running);
        ok = ok && !behind && failing.length === 0;
        checks.projections = {
          status: behind || failing.length ? 'degraded' : 'ok',
          head: lag.head.toString(),
          lag: Object.fromEntries(Object.entries(lag.projections).map(([k, v]) => [k, Number(v)])),
          failing: failing.map((f) => ({ name: f.name, error: f.lastError })),
        };
      } catch (error) {
        ok = false;
        checks.projections = { status: 'down', error: (error as Error).message };
      }
    }
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
