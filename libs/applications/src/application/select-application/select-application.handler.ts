import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, IdGenerator } from '@ipstd/kernel';
import { CLOCK, CommandContext, CommandPipeline, ID_GENERATOR, LoadedStream, Principal, RETRY_ON_CONFLICT, notFound } from '@ipstd/platform';
import { ApplicationState, DecideSelection, applicationDecider, commitmentOf, isLapsed, selectionIdFor } from '../../domain';
import { applicationSpec, loadOpenProgramme } from '../stream-specs';
import { ApplicationCommandResult, applicationResult } from '../views';
import { FundsCommitments, selectionRecorded } from './funds-commitments';
import { cityAdminPolicy } from '../access';
import { scopeOf } from '../application-write-path';
import { currentFacts } from '../enterprise-facts/enterprise-facts';

/** What the bureau decided: plain data, as it came in. */
export interface SelectionDecision {
  readonly decision: 'select' | 'reject';
  /** Integer fen; required to select. */
  readonly approvedAmountFen: number | null;
  readonly reason: string;
  readonly eligibilityOverride: string | null;
  readonly batch: string | null;
}

export class SelectApplicationCommand extends Command<ApplicationCommandResult> {
  constructor(readonly applicationId: string, readonly decision: SelectionDecision, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

/**
 * Selection within budget (立项), a step over two streams run as a process (docs/lifecycle/application.md,
 * "Selection within budget"):
 *
 * 1. load the application → idempotency replay → If-Match → authorise (the call's city) → check that
 *    the application would accept the selection, all before any money moves;
 * 2. commit the approved amount on the programme stream for this selection decision (`selectionId`:
 *    derived from the caller's Idempotency-Key, else fresh per request). The programme's revision check
 *    keeps Σ commitments ≤ budget; an application holds at most one commitment, so a concurrent twin
 *    without a key is refused there and reserves nothing;
 * 3. record the selection on the application, naming the commitment. A lost race is decided again on
 *    the new state (a twin with the same key then finds its first result).
 * If step 3 fails for good, only this decision's own commitment is released, and only if the
 * application did not record it. A crash between 2 and 3 leaves a commitment that lapses with its
 * lease; the reconciler (or the next selection of the application) releases it.
 */
@CommandHandler(SelectApplicationCommand)
export class SelectApplicationHandler implements ICommandHandler<SelectApplicationCommand> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly funds: FundsCommitments,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute({ applicationId, decision, principal, context }: SelectApplicationCommand): Promise<ApplicationCommandResult> {
    const storeKey = this.pipeline.storeKey(context);
    const selectionId = storeKey ? selectionIdFor(applicationId, storeKey) : this.ids.next();
    const committed: { programmeId: string | null } = { programmeId: null };
    try {
      const result = await this.pipeline.measured(
        () => 'DecideSelection',
        () => this.pipeline.withRetry(context, RETRY_ON_CONFLICT, () => this.attempt(applicationId, decision, principal, context, selectionId, committed)),
      );
      return applicationResult(result, principal);
    } catch (error) {
      if (committed.programmeId) await this.compensate(committed.programmeId, applicationId, selectionId, storeKey !== null, error, context);
      throw error;
    }
  }

  private async attempt(applicationId: string, body: SelectionDecision, principal: Principal, context: CommandContext, selectionId: string, committed: { programmeId: string | null }) {
    const spec = applicationSpec(applicationId);
    const loaded = await this.pipeline.load(spec);
    const replay = this.pipeline.replayed(spec, loaded, context);
    if (replay) return replay;
    this.pipeline.checkExpectedRevision(loaded, context);
    const application = requireApplication(loaded);
    const programme = await loadOpenProgramme(this.pipeline, application.programmeId);
    cityAdminPolicy(principal, { ...scopeOf(application), city: programme.state.terms.city });
    const creditCode = application.profile.enterprise.creditCode;
    let credit = await currentFacts(this.pipeline, creditCode);
    const command = (now: Date, commitment: DecideSelection['commitment']): DecideSelection => ({
      type: 'DecideSelection',
      programme: { programmeId: programme.state.programmeId, terms: programme.state.terms },
      decision: body.decision,
      approvedAmountFen: body.approvedAmountFen ?? 0,
      reason: body.reason,
      eligibilityOverride: body.eligibilityOverride,
      batch: body.batch,
      commitment,
      credit,
      now,
    });
    let now = this.clock.now();
    if (body.decision === 'reject') return this.pipeline.decideAndAppend(spec, loaded, context, command(now, null), now);

    // Refuse what the application would refuse before any money is committed.
    applicationDecider.decide(command(now, null), loaded.state);
    const held = commitmentOf(programme.state, applicationId);
    if (held && isLapsed(held, now)) {
      // A commitment outlived its lease without its selection (a crash, or a retry too late): free it first.
      await this.funds.releaseUnlessRecorded(programme.state.programmeId, applicationId, held.selectionId, lapsedReason(held.selectionId, held.expiresAt), context, loaded.state);
    }
    const commitment = await this.funds.commit(programme.state.programmeId, selectionId, applicationId, body.approvedAmountFen ?? 0, context);
    committed.programmeId = programme.state.programmeId;
    // The latest facts again, as close to the append as the two streams allow (a refusal now releases the commitment).
    credit = await currentFacts(this.pipeline, creditCode);
    now = this.clock.now();
    return this.pipeline.decideAndAppend(spec, loaded, context, command(now, commitment), now);
  }

  /**
   * Undoes this decision's own commitment once its selection cannot be recorded any more. A request
   * without a key owns its selection id alone, so its failure is final. With a key a twin of the same
   * request may still be recording the same selection: the commitment is then released only when the
   * application can no longer be selected; otherwise a retry with the key completes it, or it lapses.
   */
  private async compensate(programmeId: string, applicationId: string, selectionId: string, keyed: boolean, cause: unknown, context: CommandContext): Promise<void> {
    const { state } = await this.pipeline.load(applicationSpec(applicationId));
    if (selectionRecorded(state, selectionId)) return;
    if (keyed && state.status !== 'none' && (state.status === 'under-review' || state.status === 'invited-to-defense')) return;
    const reason = `selection ${selectionId} not recorded: ${(cause as Error).message}`;
    await this.funds.releaseUnlessRecorded(programmeId, applicationId, selectionId, reason, context, state);
  }
}

function requireApplication(loaded: LoadedStream<ApplicationState>): Exclude<ApplicationState, { status: 'none' }> {
  if (loaded.state.status === 'none') throw notFound('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
  return loaded.state;
}

export function lapsedReason(selectionId: string, expiresAt: string): string {
  return `selection ${selectionId} was not recorded on the application before its commitment expired at ${expiresAt}; released`;
}
