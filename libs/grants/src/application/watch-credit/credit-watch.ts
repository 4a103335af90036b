import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { DomainError } from '@ipstd/kernel';
import { CheckpointedWorker, CommandPipeline, PG_POOL, RETRY_ON_CONFLICT, readEventOf, systemContext, Migration, runMigrations } from '@ipstd/platform';
import { ENTERPRISE_EVENTS } from '@ipstd/applications';
import { ADVERSE_CREDIT_FACTS, GRANT_EVENTS } from '../../domain';
import { readCreditStanding } from '../credit-view';
import { grantSpec } from '../grant-streams';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'grants by enterprise',
    sql: `create table pm_enterprise_grants (
            credit_code text not null,
            grant_id text not null,
            primary key (credit_code, grant_id)
          )`,
  },
];

export const CREDIT_WATCH = 'credit-watch';
const ACTOR = 'system:credit-watch';

/**
 * Reactor: a serious-dishonesty record or an abnormal-patent notice recorded about an enterprise after
 * its award suspends each of its grants (GrantSuspended, one per notice the grant has not seen). It also
 * looks again at every new award, which closes the race with a fact recorded while the award was being
 * decided. Each grant is decided on its own stream against the enterprise's latest facts, and a notice
 * the grant already knows decides nothing, so redelivery after a crash (at-least-once) and a second
 * instance racing this one append each suspension once.
 */
@Injectable()
export class CreditWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CREDIT_WATCH);
  readonly worker: CheckpointedWorker;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    private readonly pipeline: CommandPipeline,
  ) {
    this.worker = new CheckpointedWorker(pool, store, CREDIT_WATCH, (events) => this.handle(events), { log: this.logger });
  }

  async onApplicationBootstrap(): Promise<void> {
    await runMigrations(this.pool, CREDIT_WATCH, MIGRATIONS);
    await this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'GrantAwarded') {
        const { grantId, enterprise } = readEventOf(GRANT_EVENTS, 'GrantAwarded', event).data;
        await this.pool.query('insert into pm_enterprise_grants (credit_code, grant_id) values ($1, $2) on conflict do nothing', [enterprise.creditCode, grantId]);
        await this.suspendIfAdverse(grantId, enterprise.creditCode, event);
      } else if (event.type === 'EnterpriseFactRecorded') {
        const { creditCode, fact, present } = readEventOf(ENTERPRISE_EVENTS, 'EnterpriseFactRecorded', event).data;
        if (!present || !(ADVERSE_CREDIT_FACTS as readonly string[]).includes(fact)) continue;
        const { rows } = await this.pool.query<{ grant_id: string }>('select grant_id from pm_enterprise_grants where credit_code = $1 order by grant_id', [creditCode]);
        for (const row of rows) await this.suspendIfAdverse(row.grant_id, creditCode, event);
      }
    }
  }

  private async suspendIfAdverse(grantId: string, creditCode: string, cause: RecordedEvent): Promise<void> {
    try {
      const result = await this.pipeline.run(
        grantSpec(grantId),
        systemContext(ACTOR, cause.metadata.correlationId, cause.eventId),
        async (_, now) => ({ type: 'SuspendGrant' as const, credit: await readCreditStanding(this.pipeline, creditCode, now), now }),
        { retry: RETRY_ON_CONFLICT },
      );
      if (result.events.length > 0) this.logger.warn({ msg: 'grant suspended on a credit fact', grantId, notices: result.events.length });
    } catch (error) {
      if (error instanceof DomainError) {
        this.logger.error({ msg: 'suspension refused', grantId, code: error.code });
        return;
      }
      throw error;
    }
  }
}
