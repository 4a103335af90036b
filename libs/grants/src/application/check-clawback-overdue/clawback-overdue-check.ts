import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { Clock, DomainError } from '@ipstd/kernel';
import { APP_CONFIG, AppConfig, CLOCK, CommandPipeline, PG_POOL, systemContext } from '@ipstd/platform';
import { overdueClawbacks } from '../../domain';
import { grantSpec } from '../grant-streams';

/**
 * Scheduled check: a clawback whose due date has passed (end of that day, Asia/Shanghai) becomes
 * overdue. Time comes from the injected clock; grants with open clawbacks come from the grants read
 * model, and each grant is then decided on its own stream.
 */
@Injectable()
export class ClawbackOverdueCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('clawback-overdue-check');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pipeline: CommandPipeline,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce().catch((e) => this.logger.error({ msg: 'overdue check failed', error: (e as Error).message })), this.config.clawbackCheckIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Marks every clawback past its due date as overdue; returns how many it marked. */
  async runOnce(): Promise<number> {
    const { rows } = await this.pool.query<{ grant_id: string }>('select grant_id from rm_grants where open_clawbacks > 0 order by grant_id');
    let marked = 0;
    for (const { grant_id: grantId } of rows) {
      const { state } = await this.pipeline.load(grantSpec(grantId));
      for (const clawbackId of overdueClawbacks(state, this.clock.now())) {
        try {
          const result = await this.pipeline.run(grantSpec(grantId), systemContext('system:clawback-overdue-check', `overdue-${clawbackId}`), (_, now) => ({
            type: 'MarkClawbackOverdue' as const,
            clawbackId,
            now,
          }));
          marked += result.events.length ? 1 : 0;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn({ msg: 'clawback not marked overdue', grantId, clawbackId, code: error.code });
        }
      }
    }
    return marked;
  }
}
