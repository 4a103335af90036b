import { Injectable } from '@nestjs/common';
import { CommandContext, CommandPipeline, RETRY_ON_CONFLICT } from '@ipstd/platform';
import { ApplicationState, Commitment, ProgrammeState } from '../../domain';
import { applicationSpec, programmeSpec } from '../stream-specs';

export type ReleaseOutcome = 'released' | 'recorded' | 'absent';

/** True when the application recorded the selection that this commitment was made for. */
export function selectionRecorded(application: ApplicationState, selectionId: string): boolean {
  return application.status !== 'none' && application.selection?.selectionId === selectionId;
}

/**
 * The budget side of a selection, on the programme stream: committing for one selection decision and
 * releasing exactly that decision's commitment, never another's. Used by the selection use case (its
 * compensation) and by the reconciler (commitments a crash left behind).
 */
@Injectable()
export class FundsCommitments {
  constructor(private readonly pipeline: CommandPipeline) {}

  /** Commits (or finds, on a retry of the same decision) the money of one selection; a lost race is decided again. */
  async commit(programmeId: string, selectionId: string, applicationId: string, amountFen: number, context: CommandContext): Promise<{ selectionId: string } & Commitment> {
    const result = await this.pipeline.run(
      programmeSpec(programmeId),
      { ...context, idempotencyKey: null, expectedRevision: null },
      (_, now) => ({ type: 'CommitFunds' as const, selectionId, applicationId, amountFen, now }),
      { retry: RETRY_ON_CONFLICT },
    );
    const state = result.state as Extract<ProgrammeState, { status: 'open' }>;
    return { selectionId, ...state.commitments[selectionId] };
  }

  /**
   * Releases one selection's commitment unless the application recorded that selection (then the
   * commitment is the award and stays). The caller must know that the selection can no longer be
   * recorded: its own attempt failed for good, or the commitment's lease has lapsed.
   */
  async releaseUnlessRecorded(
    programmeId: string,
    applicationId: string,
    selectionId: string,
    reason: string,
    context: CommandContext,
    /** The application as the caller just read it, when it did (saves reading it again). */
    application?: ApplicationState,
  ): Promise<ReleaseOutcome> {
    const state = application ?? (await this.pipeline.load(applicationSpec(applicationId))).state;
    if (selectionRecorded(state, selectionId)) return 'recorded';
    const result = await this.pipeline.run(
      programmeSpec(programmeId),
      { ...context, idempotencyKey: null, expectedRevision: null },
      (_, now) => ({ type: 'ReleaseFunds' as const, selectionId, reason: reason.slice(0, 500), now }),
      { retry: RETRY_ON_CONFLICT },
    );
    return result.events.length > 0 ? 'released' : 'absent';
  }
}
