import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { DomainError } from '@ipstd/kernel';
import { CheckpointedWorker, CommandPipeline, PG_POOL, RETRY_ON_CONFLICT, systemContext } from '@ipstd/platform';
import { RuleCatalog, applicationSpec, loadOpenProgramme } from '@ipstd/applications';
import { grantIdFor, grantTargetsFrom } from '../domain';
import { grantSpec } from './grant-streams';
import { readCreditStanding } from './credit-view';

/**
 * Process manager: every selection becomes a grant (下达项目经费). The grant id derives from the
 * application id and awarding twice is refused by the grant itself, so a crash between the selection
 * and the award (or a redelivery) ends in exactly one grant. Targets are copied from the programme's
 * pinned rule set at award and never change afterwards. The enterprise's latest credit facts are read
 * at award (the credit gate): a record or notice in force awards the grant suspended.
 */
@Injectable()
export class GrantAwarder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('grant-awarder');
  readonly worker: CheckpointedWorker;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    private readonly pipeline: CommandPipeline,
    private readonly rules: RuleCatalog,
  ) {
    this.worker = new CheckpointedWorker(pool, store, 'grant-awarder', (events) => this.handle(events), { log: this.logger, eventTypes: ['ApplicationSelected'] });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) if (event.type === 'ApplicationSelected') await this.award(event);
  }

  private async award(selected: RecordedEvent): Promise<void> {
    const { applicationId, approvedAmountFen } = selected.data as { applicationId: string; approvedAmountFen: number };
    const { state: application } = await this.pipeline.load(applicationSpec(applicationId));
    if (application.status === 'none') return;
    const programme = await loadOpenProgramme(this.pipeline, application.programmeId);
    const { terms } = programme.state;
    const ruleSet = await this.rules.get(terms.ruleSet);
    const grantId = grantIdFor(applicationId);
    const { creditCode, name, district } = application.profile.enterprise;
    try {
      await this.pipeline.run(
        grantSpec(grantId),
        systemContext('system:grant-awarder', selected.metadata.correlationId, selected.eventId),
        async (_, now) => ({
          type: 'AwardGrant' as const,
          grantId,
          applicationId,
          programmeId: application.programmeId,
          enterprise: { creditCode, name, district },
          awardFen: approvedAmountFen,
          tranchePlan: terms.tranchePlan,
          implementationMonths: terms.implementationMonths,
          acceptanceLeadMonths: terms.acceptanceLeadMonths,
          targets: grantTargetsFrom(ruleSet),
          // The credit gate at award: the latest facts, read now; an adverse one awards the grant suspended.
          credit: await readCreditStanding(this.pipeline, creditCode, now),
          now,
        }),
        { retry: RETRY_ON_CONFLICT },
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'GRANT_ALREADY_AWARDED') return;
      throw error;
    }
  }
}
