import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { CurrentPrincipal, PG_POOL, Principal, ProblemException, Roles, UuidParam, decodeCursor, encodeCursor, notFound, parseInstant, parsePosition } from '@ipstd/platform';
import { HttpStatus } from '@nestjs/common';
import { auditorSees, placeOfStream } from './audit-scope';
import { HistoryQueryDto, StreamQueryDto } from './audit-queries.dto';

const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$/;

/** Out of the auditor's scope reads exactly like absent (no existence oracle). */
const streamNotFound = () => notFound('STREAM_NOT_FOUND', '事件流不存在', 'No such stream');

export function envelopeView(e: RecordedEvent) {
  return {
    eventId: e.eventId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    streamId: e.streamId,
    revision: Number(e.revision),
    globalPosition: Number(e.globalPosition),
    recordedAt: e.recordedAt,
    effectiveAt: e.metadata.effectiveAt,
    actor: e.metadata.actor,
    correlationId: e.metadata.correlationId,
    causationId: e.metadata.causationId,
    idempotencyKey: e.metadata.idempotencyKey,
    // As stored (the hash covers it): absent on events stored before the city was stamped.
    ...(e.metadata.city !== undefined ? { city: e.metadata.city } : {}),
    previousHash: e.previousHash,
    hash: e.hash,
    data: e.data,
  };
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('streams/:streamId')
  @Roles('auditor')
  @ApiOperation({ summary: 'Every event of a stream with its full envelope and hashes' })
  async stream(@Param('streamId') streamId: string, @Query() query: StreamQueryDto, @CurrentPrincipal() principal: Principal) {
    if (!STREAM_ID.test(streamId)) throw streamNotFound();
    const [first] = await this.store.readStream(streamId, { maxCount: 1 });
    if (!first || !auditorSees(principal, placeOfStream(streamId, first))) throw streamNotFound();
    const limit = query.limit ?? 100;
    const events = await this.store.readStream(streamId, { fromRevision: parsePosition(query.fromRevision ?? '0')!, maxCount: limit + 1 });
    const page = events.slice(0, limit);
    return {
      streamId,
      events: page.map(envelopeView),
      nextFromRevision: events.length > limit ? Number(events[limit].revision) : null,
    };
  }

  @Get('applications/:applicationId/history')
  @Roles('auditor')
  @ApiOperation({ summary: 'Readable decision timeline of an application: who, role, organisation, when, what, why; filter by type, role and time' })
  async history(@Param('applicationId', UuidParam) applicationId: string, @Query() query: HistoryQueryDto, @CurrentPrincipal() principal: Principal) {
    const { rows: apps } = await this.pool.query<{ district: string }>('select district from rm_applications where application_id = $1', [applicationId]);
    if (apps.length === 0 || !auditorSees(principal, { kind: 'district', district: apps[0].district })) throw notFound('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, ['revision']);
    const { rows } = await this.pool.query(
      `select * from rm_application_history
       where application_id = $1 and revision > $2
         and ($4::text is null or event_type = $4) and ($5::text is null or actor_role = $5)
         and ($6::timestamptz is null or recorded_at >= $6) and ($7::timestamptz is null or recorded_at < $7)
       order by revision limit $3`,
      [applicationId, after ? Number(after[0]) : -1, limit + 1, query.type ?? null, query.role ?? null, query.from ? parseInstant(query.from) : null, query.to ? parseInstant(query.to) : null],
    );
    const page = rows.slice(0, limit);
    return {
      applicationId,
      entries: page.map((r) => ({
        revision: Number(r.revision),
        globalPosition: Number(r.global_position),
        eventId: r.event_id,
        type: r.event_type,
        recordedAt: (r.recorded_at as Date).toISOString(),
        effectiveAt: (r.effective_at as Date).toISOString(),
        who: { userId: r.actor_user_id, role: r.actor_role, organisation: r.actor_organisation },
        what: { zh: r.summary_zh, en: r.summary_en },
        details: r.details,
        correlationId: r.correlation_id,
        causationId: r.causation_id,
      })),
      nextCursor: rows.length > limit ? encodeCursor([Number(page[page.length - 1].revision)]) : null,
    };
  }
}
