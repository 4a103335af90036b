import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { Clock, DomainError } from '@ipstd/kernel';
import { APP_CONFIG, AppConfig, CLOCK, CheckpointedWorker, CommandContext, CommandPipeline, PG_POOL, RETRY_ON_CONFLICT, RuleCatalog, readEvent, readEventOf, systemContext, Migration, runMigrations } from '@ipstd/platform';
import {
  APPLICATION_EVENTS, PROGRAMME_EVENTS, applicationSpec, loadOpenProgramme, noticeClearance, programmeSpec, selectionRecorded,
} from '@ipstd/applications';
import { grantIdFor, grantTargetsFrom } from '../../domain';
import { grantSpec } from '../grant-streams';
import { readCreditStanding } from '../credit-view';

/** Its table; also applied by the migration job (scripts/migrate.ts). */
export const GRANT_AWARDER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'public notices awaiting the end of their period',
    sql: `create table ga_public_notices (
            notice_id text primary key,
            programme_id text not null,
            ends_at timestamptz not null,
            state text not null check (state in ('pending', 'settled'))
          );
          create index ga_public_notices_pending_idx on ga_public_notices (ends_at) where state = 'pending'`,
  },
];

const ACTOR = 'system:grant-awarder';

/**
 * Process manager: every selection becomes a grant (下达项目经费). The grant id derives from the
 * application id and awarding twice is refused by the grant itself, so a crash between the selection
 * and the award (or a redelivery) ends in exactly one grant. Targets are copied from the programme's
 * pinned rule set at award and never change afterwards. The enterprise's latest credit facts are read
 * at award (the credit gate): a record or notice in force awards the grant suspended.
 *
 * When the call has a public notice (公示), a selection is awarded only once the notice period has
 * ended (counted in working days, on the injected clock) and every objection against it is resolved
 * without being upheld: the awarder follows each notice (PublicNoticePublished, ObjectionResolved) and
 * on a timer closes the notices whose period has ended (PublicNoticeClosed: no more objections) and
 * awards their cleared entries. Each step is idempotent; a notice stays pending until every entry is
 * awarded or withdrawn.
 */
@Injectable()
export class GrantAwarder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('grant-awarder');
  readonly worker: CheckpointedWorker;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    private readonly pipeline: CommandPipeline,
    private readonly rules: RuleCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.worker = new CheckpointedWorker(pool, store, 'grant-awarder', (events) => this.handle(events), {
      log: this.logger,
      eventTypes: ['ApplicationSelected', 'PublicNoticePublished', 'ObjectionResolved'],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await runMigrations(this.pool, 'grant-awarder', GRANT_AWARDER_MIGRATIONS);
    await this.worker.start();
    this.timer = setInterval(() => void this.runOnce().catch((e) => this.logger.error({ msg: 'public notice check failed', error: (e as Error).message })), this.config.noticeCheckIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker.stop();
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'ApplicationSelected') await this.onSelected(event);
      else if (event.type === 'PublicNoticePublished' || event.type === 'ObjectionResolved') await this.track(event);
    }
  }

  private async onSelected(selected: RecordedEvent): Promise<void> {
    const { applicationId, approvedAmountFen } = readEventOf(APPLICATION_EVENTS, 'ApplicationSelected', selected).data;
    const { state: application } = await this.pipeline.load(applicationSpec(applicationId));
    if (application.status === 'none') return;
    const programme = await loadOpenProgramme(this.pipeline, application.programmeId);
    // A call with a public notice awards from the notice, once its period has ended (runOnce).
    if (noticeClearance(programme.state, applicationId) !== 'no-notice') return;
    await this.award(applicationId, approvedAmountFen, systemContext(ACTOR, selected.metadata.correlationId, selected.eventId));
  }

  private async track(recorded: RecordedEvent): Promise<void> {
    const event = readEvent(PROGRAMME_EVENTS, recorded);
    if (event.type === 'PublicNoticePublished') {
      await this.pool.query(
        `insert into ga_public_notices (notice_id, programme_id, ends_at, state) values ($1, $2, $3, 'pending') on conflict (notice_id) do nothing`,
        [event.data.noticeId, event.data.programmeId, event.data.endsAt],
      );
    } else if (event.type === 'ObjectionResolved') {
      // A late resolution may clear an entry of a notice already past its period: look again now.
      const { rows } = await this.pool.query<{ notice_id: string; programme_id: string }>(
        `update ga_public_notices set state = 'pending' where programme_id = $1 returning notice_id, programme_id`,
        [event.data.programmeId],
      );
      const now = this.clock.now();
      for (const row of rows) await this.settleNotice(row.programme_id, row.notice_id, now);
    }
  }

  /**
   * Closes every pending notice whose period has ended and awards its cleared entries; a notice with an
   * entry still awaiting an objection's resolution stays pending. Returns how many grants it awarded.
   */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const { rows } = await this.pool.query<{ notice_id: string; programme_id: string }>(
      `select notice_id, programme_id from ga_public_notices where state = 'pending' and ends_at <= $1 order by ends_at limit 1000`,
      [now],
    );
    let awarded = 0;
    for (const row of rows) awarded += await this.settleNotice(row.programme_id, row.notice_id, now);
    return awarded;
  }

  private async settleNotice(programmeId: string, noticeId: string, now: Date): Promise<number> {
    let { state } = await loadOpenProgramme(this.pipeline, programmeId);
    const notice = state.notices[noticeId];
    if (!notice || now.getTime() < Date.parse(notice.endsAt)) return 0;
    const context = systemContext(ACTOR, `notice-${noticeId}`);
    if (notice.closedAt === null) {
      const closed = await this.pipeline.run(programmeSpec(programmeId), context, (_, at) => ({ type: 'CloseNotice' as const, noticeId, now: at }), { retry: RETRY_ON_CONFLICT });
      state = closed.state as typeof state;
    }
    let awarded = 0;
    let open = 0;
    for (const entry of notice.entries) {
      const clearance = noticeClearance(state, entry.applicationId);
      if (clearance === 'pending') open++;
      if (clearance !== 'cleared') continue;
      const { state: application } = await this.pipeline.load(applicationSpec(entry.applicationId));
      if (!selectionRecorded(application, entry.selectionId)) continue;
      if (await this.award(entry.applicationId, entry.approvedAmountFen, context)) awarded++;
    }
    if (open === 0) await this.pool.query(`update ga_public_notices set state = 'settled' where notice_id = $1`, [noticeId]);
    return awarded;
  }

  /** Awards the grant of a selection; false when it was already awarded. */
  private async award(applicationId: string, approvedAmountFen: number, context: CommandContext): Promise<boolean> {
    const { state: application } = await this.pipeline.load(applicationSpec(applicationId));
    if (application.status === 'none') return false;
    const programme = await loadOpenProgramme(this.pipeline, application.programmeId);
    const { terms } = programme.state;
    const ruleSet = await this.rules.get(terms.ruleSet);
    const grantId = grantIdFor(applicationId);
    const { creditCode, name, district } = application.profile.enterprise;
    try {
      await this.pipeline.run(
        grantSpec(grantId),
        context,
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
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'GRANT_ALREADY_AWARDED') return false;
      throw error;
    }
  }
}
