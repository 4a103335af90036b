import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { IdGenerator, uuidV5 } from '@ipstd/kernel';
import { CommandContext, CommandPipeline, ID_GENERATOR, Principal, ProblemException, RETRY_ON_CONFLICT, readEvent, scopeCoversCity } from '@ipstd/platform';
import { NoticeEntry, ObjectionState, PROGRAMME_EVENTS, ProgrammeState, StepActor, noticeClearance } from '../../domain';
import { requireCity } from '../access';
import { applicationSpec, loadOpenProgramme, programmeSpec } from '../stream-specs';
import { selectionRecorded } from '../select-application/funds-commitments';
import { WorkingDayCalendarSource } from './working-day-calendar';

const NAMESPACE = '6f1c2b8e-4d3a-4f59-9a7e-1c0b5d2e8f34';

type OpenState = Extract<ProgrammeState, { status: 'open' }>;

function actorOf(principal: Principal): StepActor {
  return { sub: principal.sub, role: principal.role };
}

/** Whether the caller sees who objected: the bureau and the auditors of the call's city. */
export function seesObjectors(principal: Principal, city: string): boolean {
  return (principal.role === 'programme-admin' || principal.role === 'auditor') && scopeCoversCity(principal, city);
}

/** A notice and its objections as the caller may see them (identity only for the bureau and auditors). */
export function noticesView(state: OpenState, principal: Principal) {
  const sees = seesObjectors(principal, state.terms.city);
  const objectionView = (o: ObjectionState) => ({
    objectionId: o.objectionId,
    applicationId: o.applicationId,
    grounds: o.grounds,
    channel: o.channel,
    filedAt: o.filedAt,
    objector: sees ? o.objector : null,
    filedBy: sees ? o.filedBy : null,
    resolution: o.resolution && { outcome: o.resolution.outcome, reason: o.resolution.reason, resolvedAt: o.resolution.resolvedAt, resolvedBy: sees ? o.resolution.resolvedBy : null },
  });
  return Object.values(state.notices)
    .sort((a, b) => a.publishedAt.localeCompare(b.publishedAt))
    .map((n) => ({
      noticeId: n.noticeId,
      publishedAt: n.publishedAt,
      workingDays: n.workingDays,
      endsOn: n.endsOn,
      endsAt: n.endsAt,
      closedAt: n.closedAt,
      entries: n.entries.map((e) => ({
        applicationId: e.applicationId,
        enterpriseName: e.enterpriseName,
        projectTitle: e.projectTitle,
        approvedAmountFen: e.approvedAmountFen,
        clearance: noticeClearance(state, e.applicationId),
      })),
      objections: Object.values(state.objections).filter((o) => o.noticeId === n.noticeId).sort((a, b) => a.filedAt.localeCompare(b.filedAt)).map(objectionView),
    }));
}

/**
 * The public notice (公示) of a call's proposed selections and the objections (异议) against them
 * (docs/lifecycle/application.md, "Public notice"). All of it is recorded on the programme stream;
 * an upheld objection then withdraws the selection on the application and releases that selection's
 * budget commitment on the programme (settleUpheld, idempotent, also run by the notice awarder).
 */
@Injectable()
export class PublicNotices {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly calendar: WorkingDayCalendarSource,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  private idFor(kind: string, programmeId: string, context: CommandContext): string {
    const key = this.pipeline.storeKey(context);
    return key ? uuidV5(NAMESPACE, `${kind}:${programmeId}:${key}`) : this.ids.next();
  }

  /** Publishes every selection recorded on its application and not yet on a notice. */
  async publish(programmeId: string, principal: Principal, context: CommandContext) {
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    requireCity(principal, programme.state.terms.city);
    const noticeId = this.idFor('notice', programmeId, context);
    const calendar = await this.calendar.current();
    const result = await this.pipeline.run(
      programmeSpec(programmeId),
      context,
      async (state, now) => ({ type: 'PublishNotice' as const, noticeId, entries: await this.selections(state), calendar, by: actorOf(principal), now }),
      { retry: RETRY_ON_CONFLICT },
    );
    const state = result.state as OpenState;
    const published = result.events.map((e) => readEvent(PROGRAMME_EVENTS, e)).find((e) => e.type === 'PublicNoticePublished');
    const publishedId = published?.type === 'PublicNoticePublished' ? published.data.noticeId : noticeId;
    const notice = noticesView(state, principal).find((n) => n.noticeId === publishedId);
    if (!notice) throw new Error(`notice ${publishedId} not recorded`);
    return { notice, revision: result.revision };
  }

  private async selections(state: ProgrammeState): Promise<NoticeEntry[]> {
    if (state.status !== 'open') return [];
    const entries: NoticeEntry[] = [];
    for (const [selectionId, commitment] of Object.entries(state.commitments)) {
      const { state: application } = await this.pipeline.load(applicationSpec(commitment.applicationId));
      if (application.status !== 'selected' || !selectionRecorded(application, selectionId)) continue;
      entries.push({
        applicationId: application.applicationId,
        selectionId,
        enterpriseName: application.profile.enterprise.name,
        projectTitle: application.profile.project.title,
        approvedAmountFen: application.selection.approvedAmountFen,
      });
    }
    return entries.sort((a, b) => a.applicationId.localeCompare(b.applicationId));
  }

  async file(programmeId: string, body: { applicationId: string; objector: { name: string; contact: string }; grounds: string; channel?: 'online' | 'written' }, principal: Principal, context: CommandContext) {
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    const channel = body.channel ?? 'online';
    if (channel === 'written' && !(principal.role === 'programme-admin' && scopeCoversCity(principal, programme.state.terms.city))) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'OBJECTION_CHANNEL_FORBIDDEN', {
        zh: '只有本市主管部门可以登记书面异议',
        en: 'Only the bureau of the call’s city records written objections',
      });
    }
    const objectionId = this.idFor('objection', programmeId, context);
    const result = await this.pipeline.run(
      programmeSpec(programmeId),
      context,
      (_, now) => ({
        type: 'FileObjection' as const,
        objectionId,
        applicationId: body.applicationId,
        objector: { name: body.objector.name, contact: body.objector.contact },
        grounds: body.grounds,
        channel,
        by: actorOf(principal),
        now,
      }),
      { retry: RETRY_ON_CONFLICT },
    );
    const state = result.state as OpenState;
    const filed = result.events.map((e) => readEvent(PROGRAMME_EVENTS, e)).find((e) => e.type === 'ObjectionFiled');
    const filedId = filed?.type === 'ObjectionFiled' ? filed.data.objectionId : objectionId;
    return { objection: this.objectionOf(state, filedId, principal), revision: result.revision };
  }

  async resolve(programmeId: string, objectionId: string, body: { outcome: 'upheld' | 'dismissed'; reason: string }, principal: Principal, context: CommandContext) {
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    requireCity(principal, programme.state.terms.city);
    const result = await this.pipeline.run(
      programmeSpec(programmeId),
      context,
      (_, now) => ({ type: 'ResolveObjection' as const, objectionId, outcome: body.outcome, reason: body.reason, by: actorOf(principal), now }),
      { retry: RETRY_ON_CONFLICT },
    );
    const state = result.state as OpenState;
    if (state.objections[objectionId]?.resolution?.outcome === 'upheld') {
      await this.settleUpheld(programmeId, objectionId, { ...context, idempotencyKey: null, expectedRevision: null, causationId: result.events[0]?.eventId ?? context.causationId });
    }
    const { state: after, revision } = await loadOpenProgramme(this.pipeline, programmeId);
    return { objection: this.objectionOf(after, objectionId, principal), revision };
  }

  /**
   * The effects of an upheld objection, each idempotent so that a retry or the notice awarder can run
   * them again after a crash: 1. the application's selection named on the notice is withdrawn (that
   * selection only); 2. once the application no longer holds it, that selection's commitment is
   * released on the programme (ReleaseFunds names the selection, so no other money moves).
   */
  async settleUpheld(programmeId: string, objectionId: string, context: CommandContext): Promise<void> {
    const { state } = await loadOpenProgramme(this.pipeline, programmeId);
    const objection = state.objections[objectionId];
    if (!objection || objection.resolution?.outcome !== 'upheld') return;
    const entry = state.notices[objection.noticeId]?.entries.find((e) => e.applicationId === objection.applicationId);
    if (!entry) return;
    const reason = `objection ${objectionId} upheld: ${objection.resolution.reason}`.slice(0, 500);
    const own = { ...context, idempotencyKey: null, expectedRevision: null };
    const withdrawn = await this.pipeline.run(
      applicationSpec(entry.applicationId),
      own,
      (_, now) => ({ type: 'WithdrawSelection' as const, selectionId: entry.selectionId, objectionId, reason, now }),
      { retry: RETRY_ON_CONFLICT },
    );
    if (selectionRecorded(withdrawn.state, entry.selectionId)) throw new Error(`selection ${entry.selectionId} is still recorded`);
    await this.pipeline.run(programmeSpec(programmeId), own, (_, now) => ({ type: 'ReleaseFunds' as const, selectionId: entry.selectionId, reason, now }), { retry: RETRY_ON_CONFLICT });
  }

  private objectionOf(state: OpenState, objectionId: string, principal: Principal) {
    for (const notice of noticesView(state, principal)) {
      const found = notice.objections.find((o) => o.objectionId === objectionId);
      if (found) return { ...found, noticeId: notice.noticeId, noticeEndsAt: notice.endsAt };
    }
    throw new Error(`objection ${objectionId} not recorded`);
  }
}
