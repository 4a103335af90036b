import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Pool } from 'pg';
import { CommandContext, CommandPipeline, PG_POOL, Principal } from '@ipstd/platform';
import { uuidV5 } from '@ipstd/kernel';
import { DefenseInvitation, rank } from '../../domain';
import { requireCity } from '../access';
import { applicationSpec, loadOpenProgramme, programmeSpec } from '../stream-specs';

const ROUND_NAMESPACE = '3d0f6a52-7c1e-4b8e-9f21-5a6c0d9e7b14';

export interface DefenseRoundResult {
  readonly roundId: string;
  readonly size: number;
  readonly invited: readonly DefenseInvitation[];
  readonly revision: bigint;
}

export class OpenDefenseRoundCommand extends Command<DefenseRoundResult> {
  constructor(readonly programmeId: string, readonly size: number | undefined, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

/**
 * Ranks every application whose review is closed and invites the top N to the defense round (答辩).
 * The round is recorded on the programme first; invitations follow on each application and are
 * idempotent, so repeating the request after a failure completes them.
 */
@CommandHandler(OpenDefenseRoundCommand)
export class OpenDefenseRoundHandler implements ICommandHandler<OpenDefenseRoundCommand> {
  constructor(private readonly pipeline: CommandPipeline, @Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ programmeId, size, principal, context }: OpenDefenseRoundCommand): Promise<DefenseRoundResult> {
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    requireCity(principal, programme.state.terms.city);
    const roundId = uuidV5(ROUND_NAMESPACE, programmeId);
    const ranking = await this.ranking(programmeId);
    const roundSize = size ?? programme.state.terms.review.defenseSize;
    const result = await this.pipeline.run(programmeSpec(programmeId), context, (_, now) => ({ type: 'OpenDefenseRound' as const, roundId, size: roundSize, ranking, now }));
    const round = result.state.status === 'open' ? result.state.defenseRound : null;
    if (!round) throw new Error('defense round not recorded');
    const causation = result.events[0]?.eventId ?? context.causationId;
    for (const invitation of round.invited) {
      await this.pipeline.run(applicationSpec(invitation.applicationId), { ...context, idempotencyKey: null, expectedRevision: null, causationId: causation }, (_, now) => ({
        type: 'InviteToDefense' as const,
        roundId,
        rank: invitation.rank,
        now,
      }));
    }
    return { roundId, size: roundSize, invited: round.invited, revision: result.revision };
  }

  private async ranking(programmeId: string): Promise<DefenseInvitation[]> {
    const { rows } = await this.pool.query<{ application_id: string }>(
      "select application_id from rm_applications where programme_id = $1 and status = 'under-review' order by application_id",
      [programmeId],
    );
    const entries = [];
    for (const row of rows) {
      const { state } = await this.pipeline.load(applicationSpec(row.application_id));
      if (state.status !== 'under-review' || state.review?.aggregateHundredths == null) continue;
      entries.push({
        applicationId: state.applicationId,
        scoreHundredths: state.review.aggregateHundredths,
        priorityItems: state.eligibility?.priority.reduce((n, p) => n + p.items.length, 0) ?? 0,
        submittedAt: state.submittedAt,
      });
    }
    return rank(entries).map((e, i) => ({ applicationId: e.applicationId, rank: i + 1, scoreHundredths: e.scoreHundredths }));
  }
}
