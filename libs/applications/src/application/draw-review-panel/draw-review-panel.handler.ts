import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, CommandContext, CommandPipeline, Principal, RETRY_ON_CONFLICT, notFound } from '@ipstd/platform';
import { Clock } from '@ipstd/kernel';
import { requireDrawable, requireWindowClosed } from '../../domain';
import { ApplicationCommandResult, applicationResult } from '../views';
import { ApplicationWritePath, scopeOf } from '../application-write-path';
import { cityAdminPolicy } from '../access';
import { applicationSpec, loadOpenProgramme } from '../stream-specs';
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
 * draw (ReviewPanelDrawn). The application is checked before the pool is touched; a retry finds the
 * pool's draw (one per application) and completes the application's.
 */
@CommandHandler(DrawReviewPanelCommand)
export class DrawReviewPanelHandler implements ICommandHandler<DrawReviewPanelCommand> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly writePath: ApplicationWritePath,
    @Inject(DRAW_SEED_SOURCE) private readonly seeds: DrawSeedSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ applicationId, field, reserves, cap, principal, context }: DrawReviewPanelCommand): Promise<ApplicationCommandResult> {
    // The write path's order before the pool is touched: load, replay, If-Match, authorise, check.
    const loaded = await this.pipeline.load(applicationSpec(applicationId));
    const application = loaded.state;
    if (application.status === 'none') throw notFound('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
    const replay = this.pipeline.replayed(applicationSpec(applicationId), loaded, context);
    if (replay) return applicationResult(replay, principal);
    this.pipeline.checkExpectedRevision(loaded, context);
    cityAdminPolicy(principal, scopeOf(application));
    requireDrawable(application);
    const programme = await loadOpenProgramme(this.pipeline, application.programmeId);
    const terms = programme.state.terms;
    // Before the pool is touched: a call that reviews after its window closed draws nothing earlier.
    requireWindowClosed(terms, this.clock.now(), { zh: '抽取评审专家', en: 'a review panel can be drawn' });
    const seed = this.seeds.next();
    // The pool append carries no Idempotency-Key (the store keeps a key on one stream only): the pool
    // keeps one draw per application, so a retry finds the draw already recorded there.
    const pooled = await this.pipeline.run(
      expertPoolSpec(terms.city),
      { ...context, idempotencyKey: null, expectedRevision: null },
      (_, now) => ({
        type: 'DrawReviewPanel' as const,
        programmeId: programme.state.programmeId,
        applicationId,
        creditCode: application.profile.enterprise.creditCode,
        field,
        panelSize: terms.review.panelSize,
        reserveCount: reserves,
        cap,
        seed,
        now,
      }),
      { retry: RETRY_ON_CONFLICT },
    );
    const draw = pooled.state.draws.find((d) => d.applicationId === applicationId)?.draw;
    if (!draw) throw new Error('the pool holds no draw for the application after drawing');
    return this.writePath.run(applicationId, principal, context, cityAdminPolicy, (programmeContext, now) => ({ type: 'RecordPanelDraw', programme: programmeContext, draw, now }));
  }
}
