import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { DomainError, canonicalJson } from '@ipstd/kernel';
import { CheckpointedWorker, CommandPipeline, PG_POOL, RETRY_ON_CONFLICT, RuleCatalog, readEventOf, systemContext, Migration, runMigrations } from '@ipstd/platform';
import { APPLICATION_EVENTS, ENTERPRISE_EVENTS, enterpriseStream } from '../../domain';
import { currentFacts, factsAt } from '../enterprise-facts/enterprise-facts';
import { applicationSpec, loadOpenProgramme } from '../stream-specs';

/** Its tables; also applied by the migration job (scripts/migrate.ts). */
export const ELIGIBILITY_REASSESSOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'applications by enterprise',
    sql: `create table pm_enterprise_applications (
            credit_code text not null,
            application_id text not null,
            primary key (credit_code, application_id)
          )`,
  },
];

const ACTOR = 'system:eligibility-reassessor';

/**
 * Process manager: when another system pushes a fact about an enterprise, every open application of
 * that enterprise is assessed again (004_39c6efd61937e065.txt 三(五)). It also looks again at each new
 * submission, which closes the race with a fact recorded while the submission was being decided.
 * Re-assessment with unchanged facts decides nothing, so redelivery is harmless.
 */
@Injectable()
export class EligibilityReassessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('eligibility-reassessor');
  readonly worker: CheckpointedWorker;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly pipeline: CommandPipeline,
    private readonly rules: RuleCatalog,
  ) {
    this.worker = new CheckpointedWorker(pool, store, 'eligibility-reassessor', (events) => this.handle(events), { log: this.logger, eventTypes: ['ApplicationSubmitted', 'EligibilityAssessed', 'EnterpriseFactRecorded'] });
  }

  async onApplicationBootstrap(): Promise<void> {
    await runMigrations(this.pool, 'eligibility-reassessor', ELIGIBILITY_REASSESSOR_MIGRATIONS);
    await this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    // The assessment a submission appended with it, by application: when the facts it used are the
    // facts as they stood at the submission, there is nothing to look at again.
    const assessedOnSubmission = new Map<string, RecordedEvent>();
    const submissions: Array<{ event: RecordedEvent; applicationId: string; creditCode: string }> = [];
    for (const event of events) {
      if (event.type === 'EligibilityAssessed') {
        const { applicationId, trigger } = readEventOf(APPLICATION_EVENTS, 'EligibilityAssessed', event).data;
        if (trigger === 'submission' && !assessedOnSubmission.has(applicationId)) assessedOnSubmission.set(applicationId, event);
      } else if (event.type === 'ApplicationSubmitted') {
        const { applicationId, profile } = readEventOf(APPLICATION_EVENTS, 'ApplicationSubmitted', event).data;
        submissions.push({ event, applicationId, creditCode: profile.enterprise.creditCode });
      }
    }
    // The enterprise streams those checks need, read together: one query for the batch instead of one
    // per submission. Reading them now rather than at each submission changes nothing: a check looks
    // only at the events up to its submission's position, all stored before the batch was handed over.
    const enterprises = await this.store.readStreams(submissions.filter((s) => assessedOnSubmission.has(s.applicationId)).map((s) => enterpriseStream(s.creditCode)));
    // Applications by enterprise, written in one statement per run of submissions: before a fact's
    // event looks them up, and at the end of the batch.
    const filed: Array<{ creditCode: string; applicationId: string }> = [];
    const fileApplications = async () => {
      if (filed.length === 0) return;
      await this.pool.query(
        'insert into pm_enterprise_applications (credit_code, application_id) select * from unnest($1::text[], $2::text[]) on conflict do nothing',
        [filed.map((f) => f.creditCode), filed.map((f) => f.applicationId)],
      );
      filed.length = 0;
    };
    let next = 0;
    for (const event of events) {
      if (event.type === 'ApplicationSubmitted') {
        const { applicationId, creditCode } = submissions[next++];
        filed.push({ creditCode, applicationId });
        const assessed = assessedOnSubmission.get(applicationId);
        const enterprise = enterprises.get(enterpriseStream(creditCode));
        if (assessed && enterprise && factsUnchangedSince(assessed, enterprise, event.globalPosition)) continue;
        await this.reassess(applicationId, event);
      } else if (event.type === 'EnterpriseFactRecorded') {
        await fileApplications();
        const { creditCode } = readEventOf(ENTERPRISE_EVENTS, 'EnterpriseFactRecorded', event).data;
        const { rows } = await this.pool.query<{ application_id: string }>('select application_id from pm_enterprise_applications where credit_code = $1 order by application_id', [creditCode]);
        for (const row of rows) await this.reassess(row.application_id, event);
      }
    }
    await fileApplications();
  }

  /**
   * The log position whose facts the re-assessment uses: the cause's, so that each change is
   * attributed to the event that brought it, but never earlier than the application's latest
   * assessment. Delivery is at least once, and every write replica runs a re-assessor: an old event
   * seen again (a restart from an earlier checkpoint, a replica behind another) must not assess the
   * application with facts that a later assessment already superseded. An assessment used facts
   * recorded before it, so with the facts as of its position nothing changes, unless a fact arrived
   * while it was being decided, which this then takes into account. Read inside the decision, after
   * the pipeline loaded the stream, so that an assessment appended meanwhile is seen (or the append
   * conflicts and the decision is taken again).
   */
  private async factsAsOf(applicationId: string, cause: RecordedEvent): Promise<bigint> {
    const { recorded } = await this.pipeline.load(applicationSpec(applicationId));
    let latest = 0n;
    for (const event of recorded) if (event.type === 'EligibilityAssessed') latest = event.globalPosition;
    return latest > cause.globalPosition ? latest : cause.globalPosition;
  }

  private async reassess(applicationId: string, cause: RecordedEvent): Promise<void> {
    const context = systemContext(ACTOR, cause.metadata.correlationId, cause.eventId);
    // Programme and enterprise of an application never change; only its state does between retries.
    const { state } = await this.pipeline.load(applicationSpec(applicationId));
    if (state.status === 'none') return;
    const { programmeId } = state;
    const { creditCode } = state.profile.enterprise;
    try {
      await this.pipeline.run(
        applicationSpec(applicationId),
        context,
        async (_, now) => {
          const programme = await loadOpenProgramme(this.pipeline, programmeId);
          const basis = { ruleSet: await this.rules.get(programme.state.terms.ruleSet), facts: await currentFacts(this.pipeline, creditCode, await this.factsAsOf(applicationId, cause)) };
          return { type: 'ReassessEligibility' as const, programme: { programmeId: programme.state.programmeId, terms: programme.state.terms }, basis, now };
        },
        { retry: RETRY_ON_CONFLICT },
      );
    } catch (error) {
      if (error instanceof DomainError) {
        this.logger.error({ msg: 're-assessment refused', applicationId, code: error.code });
        return;
      }
      throw error;
    }
  }
}

/** True when the facts as they stood at the submission's position are the ones its assessment used. */
function factsUnchangedSince(assessment: RecordedEvent, enterprise: readonly RecordedEvent[], position: bigint): boolean {
  const used = readEventOf(APPLICATION_EVENTS, 'EligibilityAssessed', assessment).data.facts;
  return canonicalJson(factsAt(enterprise, position)) === canonicalJson(used);
}
