import { HttpStatus, Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decodeEvent } from '@ipstd/kernel';
import { CommandContext, CommandPipeline, Principal, ProblemException, RETRY_ON_CONFLICT } from '@ipstd/platform';
import { EXPERT_POOL_EVENTS, ExpertPoolEvent, requireDrawable } from '../../domain';
import { ApplicationCommandResult } from '../views';
import { ApplicationWritePath, scopeOf } from '../application-write-path';
import { cityAdminPolicy } from '../access';
import { loadApplication, loadOpenProgramme } from '../streams';
import { expertPoolSpec } from '../expert-pool/expert-pool.handlers';
import { DRAW_SEED_SOURCE, DrawSeedSource } from './seed-source';

export const DEFAULT_RESERVES = 3;

/** Draw the application's review panel at random from the expert pool of the programme's city. */
export class DrawReviewPanelCommand extends Command<ApplicationCommandResult> {
  constructor(
    readonly applicationId: string,
    readonly field: string,
    readonly reserves: number,
    readonly cap: number,
    readonly principal: Principal,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Two appends, pool first: the pool records the draw (ExpertsDrawn, at the revision it was drawn
 * from, so the per-call cap holds under concurrent draws), then the application records the same
 * draw (ReviewPanelDrawn). The application is checked before the pool is touched; a retry with the
 * same Idempotency-Key replays the pool's draw and completes the application's.
 */
@CommandHandler(DrawReviewPanelCommand)
export class DrawReviewPanelHandler implements ICommandHandler<DrawReviewPanelCommand> {
  constructor(private readonly pipeline: CommandPipeline, private readonly writePath: ApplicationWritePath, @Inject(DRAW_SEED_SOURCE) private readonly seeds: DrawSeedSource) {}

  async execute({ applicationId, field, reserves, cap, principal, context }: DrawReviewPanelCommand): Promise<ApplicationCommandResult> {
    const application = await loadApplication(this.pipeline, applicationId);
    cityAdminPolicy(principal, scopeOf(application.state));
    const programme = await loadOpenProgramme(this.pipeline, application.state.programmeId);
    const terms = programme.state.terms;
    const pool = await this.pipeline.load(expertPoolSpec(terms.city));
    const alreadyDrawn = this.pipeline.replayed(expertPoolSpec(terms.city), pool, context);
    if (!alreadyDrawn) {
      this.pipeline.checkExpectedRevision({ state: application.state, revision: application.revision, recorded: [] }, context);
      requireDrawable(application.state);
    }
    const seed = this.seeds.next();
    const pooled = await this.pipeline.run(
      expertPoolSpec(terms.city),
      { ...context, expectedRevision: null },
      (_, now) => ({
        type: 'DrawReviewPanel' as const,
        programmeId: programme.state.programmeId,
        applicationId,
        creditCode: application.state.profile.enterprise.creditCode,
        field,
        panelSize: terms.review.panelSize,
        reserveCount: reserves,
        cap,
        seed,
        now,
      }),
      { retry: RETRY_ON_CONFLICT },
    );
    const draw = pooled.events
      .map((e) => decodeEvent<ExpertPoolEvent>(EXPERT_POOL_EVENTS, e.type, e.schemaVersion, e.data))
      .flatMap((e) => (e.type === 'ExpertsDrawn' && e.data.applicationId === applicationId ? [e.data] : []))[0];
    if (!draw) {
      // Only a key replayed from a different request on the pool stream gets here.
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', {
        zh: '该 Idempotency-Key 已用于内容不同的请求',
        en: 'This Idempotency-Key was already used with a different request',
      });
    }
    return this.writePath.run(applicationId, principal, context, cityAdminPolicy, (programmeContext, now) => ({ type: 'RecordPanelDraw', programme: programmeContext, draw, now }));
  }
}
