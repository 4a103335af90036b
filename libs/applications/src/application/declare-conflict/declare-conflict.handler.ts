import { Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal, RETRY_ON_CONFLICT } from '@ipstd/platform';
import { expertPoolSpec } from '../expert-pool/expert-pool.handlers';
import { loadApplication, loadOpenProgramme } from '../stream-specs';
import { ApplicationCommandResult } from '../views';
import { ApplicationPolicy, ApplicationWritePath } from '../application-write-path';
import { panelMemberPolicy } from '../access';

/** An assigned expert declares a conflict of interest and stands down. */
export class DeclareConflictCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly reason: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

/** A member of this application's panel; others are told it does not exist (the decider refuses one who already stood down). */
export const panelExpertPolicy: ApplicationPolicy = panelMemberPolicy;

@CommandHandler(DeclareConflictCommand)
export class DeclareConflictHandler implements ICommandHandler<DeclareConflictCommand> {
  private readonly logger = new Logger('DeclareConflict');

  constructor(private readonly writePath: ApplicationWritePath, private readonly pipeline: CommandPipeline) {}

  async execute({ applicationId, reason, principal, context }: DeclareConflictCommand): Promise<ApplicationCommandResult> {
    const result = await this.writePath.run(applicationId, principal, context, panelExpertPolicy, (_, now) => ({ type: 'DeclareConflict', expertId: principal.sub, reason, now }));
    await this.syncPool(applicationId, context);
    return result;
  }

  /**
   * A reserve called in (ReserveExpertAssigned) takes a seat: the city's pool counts it for the cap
   * and the "reviewed before" rule. A second append after the declaration; if it fails, the next
   * declaration on the application (or a retry of this one) catches up, since the sync is idempotent.
   */
  private async syncPool(applicationId: string, context: CommandContext): Promise<void> {
    try {
      const { state } = await loadApplication(this.pipeline, applicationId);
      if (!state.review?.experts.length) return;
      const programme = await loadOpenProgramme(this.pipeline, state.programmeId);
      const panel = state.review.experts.map((e) => e.expertId);
      await this.pipeline.run(
        expertPoolSpec(programme.state.terms.city),
        { ...context, idempotencyKey: null, expectedRevision: null },
        (_, now) => ({ type: 'SyncDrawnPanel' as const, applicationId, panel, now }),
        { retry: RETRY_ON_CONFLICT },
      );
    } catch (error) {
      this.logger.warn(`expert pool not synchronised for application ${applicationId}: ${(error as Error).message}`);
    }
  }
}
