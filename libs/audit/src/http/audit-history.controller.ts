import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { DomainEvent, EventRegistry } from '@ipstd/kernel';
import { CurrentPrincipal, Principal, ProblemException, Roles, UuidParam, decodeCursor, domainEventOf, encodeCursor, notFound, parseInstant, readEvent, readStreamEvents } from '@ipstd/platform';
import { APPLICATION_EVENTS, applicationDecider, applicationStream, applicationView } from '@ipstd/applications';
import { GRANT_EVENTS, grantDecider, grantStream, grantView } from '@ipstd/grants';
import { describeGrantEvent } from '../history/grant-history';
import { AsOfQueryDto, HistoryQueryDto } from './audit-queries.dto';
import { auditorSees, placeOfStream } from './audit-scope';

/** The events of a stream recorded up to an instant (all of them without one). */
async function eventsAsOf(store: EventStore, streamId: string, asOf: string | undefined): Promise<RecordedEvent[]> {
  const events = await store.readStream(streamId);
  if (!asOf) return events;
  const until = parseInstant(asOf)!.getTime();
  return events.filter((e) => Date.parse(e.recordedAt) <= until);
}

function fold<E extends DomainEvent, S>(decider: { initialState: () => S; evolve: (s: S, e: E) => S }, registry: EventRegistry<E>, events: readonly RecordedEvent[]): S {
  return readStreamEvents(registry, events).reduce((state, e) => decider.evolve(state, domainEventOf(e)), decider.initialState());
}

/**
 * What auditors rely on (DOMAIN.md §6): the state of an application or a grant as of any past instant,
 * folded from the events recorded up to then, and the grant's decision timeline.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditHistoryController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('applications/:applicationId')
  @Roles('auditor')
  @ApiOperation({ summary: 'An application as it stood at ?asOf= (now when absent), folded from the events recorded up to then' })
  async applicationAsOf(@Param('applicationId', UuidParam) applicationId: string, @Query() query: AsOfQueryDto, @CurrentPrincipal() principal: Principal) {
    const all = await this.store.readStream(applicationStream(applicationId));
    // Out of the auditor's scope reads exactly like absent (no existence oracle).
    if (all.length === 0 || !auditorSees(principal, placeOfStream(applicationStream(applicationId), all[0]))) throw notFound('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
    const events = await eventsAsOf(this.store, applicationStream(applicationId), query.asOf);
    const state = fold(applicationDecider, APPLICATION_EVENTS, events);
    if (state.status === 'none') throw notFound('APPLICATION_NOT_YET_SUBMITTED', '该时点申报尚未提交', 'The application had not been submitted at that instant');
    return { asOf: query.asOf ?? null, eventsApplied: events.length, application: applicationView(state, events[events.length - 1].revision, principal) };
  }

  @Get('grants/:grantId')
  @Roles('auditor')
  @ApiOperation({ summary: 'A grant as it stood at ?asOf= (now when absent), folded from the events recorded up to then' })
  async grantAsOf(@Param('grantId', UuidParam) grantId: string, @Query() query: AsOfQueryDto, @CurrentPrincipal() principal: Principal) {
    await this.requireGrantCity(grantId, principal);
    const events = await eventsAsOf(this.store, grantStream(grantId), query.asOf);
    const state = fold(grantDecider, GRANT_EVENTS, events);
    if (state.status === 'none') throw notFound('GRANT_NOT_YET_AWARDED', '该时点项目尚未立项资助', 'The grant had not been awarded at that instant');
    return { asOf: query.asOf ?? null, eventsApplied: events.length, grant: grantView(state, events[events.length - 1].revision) };
  }

  @Get('grants/:grantId/history')
  @Roles('auditor')
  @ApiOperation({ summary: "A grant's decision timeline: who, role, organisation, when, what, why; filter by type, role and time" })
  async grantHistory(@Param('grantId', UuidParam) grantId: string, @Query() query: HistoryQueryDto, @CurrentPrincipal() principal: Principal) {
    await this.requireGrantCity(grantId, principal);
    const after = decodeCursor(query.cursor, ['revision']);
    const limit = query.limit ?? 50;
    // Validated by IsInstant: never NaN, so a bad from/to is a 400 and never an empty page.
    const from = query.from ? parseInstant(query.from)!.getTime() : -Infinity;
    const to = query.to ? parseInstant(query.to)!.getTime() : Infinity;
    const matching = (await this.store.readStream(grantStream(grantId))).filter(
      (e) =>
        (!after || Number(e.revision) > Number(after[0])) &&
        (!query.type || e.type === query.type) &&
        (!query.role || e.metadata.actor.role === query.role) &&
        Date.parse(e.recordedAt) >= from &&
        Date.parse(e.recordedAt) < to,
    );
    const page = matching.slice(0, limit);
    return {
      grantId,
      entries: page.map((e) => readEvent(GRANT_EVENTS, e)).map((e) => ({
        revision: Number(e.revision),
        globalPosition: Number(e.globalPosition),
        eventId: e.eventId,
        type: e.type,
        recordedAt: e.recordedAt,
        effectiveAt: e.metadata.effectiveAt,
        who: e.metadata.actor,
        what: describeGrantEvent(e),
        // The data in its current shape (older schema versions upcast), as the timeline describes it.
        details: e.data,
        correlationId: e.metadata.correlationId,
        causationId: e.metadata.causationId,
      })),
      nextCursor: matching.length > limit ? encodeCursor([Number(page[page.length - 1].revision)]) : null,
    };
  }

  private async requireGrantCity(grantId: string, principal: Principal): Promise<void> {
    const [first] = await this.store.readStream(grantStream(grantId), { maxCount: 1 });
    if (!first || !auditorSees(principal, placeOfStream(grantStream(grantId), first))) throw notFound('GRANT_NOT_FOUND', '项目资助不存在', 'No such grant');
  }
}
