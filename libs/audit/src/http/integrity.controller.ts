import { Controller, Get, HttpStatus, Inject, Logger, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Response } from 'express';
import { Clock } from '@ipstd/kernel';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { CLOCK, CurrentPrincipal, IsInstant, Principal, ProblemException, Roles, cityOf, notFound, parseInstant } from '@ipstd/platform';
import { LogVerifier, VerificationReport } from '../verify/verifier';
import { EXPORT_CONTENT_TYPE, ExportFilter } from '../verify/export-format';
import { checkpointDataOf } from '../verify/checkpoint';
import { eventsOf, readCheckpoints } from '../export/log-reader';
import { exportLog } from '../export/log-export';
import { AUDIT_OPTIONS, AuditModuleOptions } from '../audit.options';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ExportQueryDto {
  @ApiPropertyOptional({ example: '2024-11-01T00:00:00+08:00', description: 'events recorded at or after (RFC 3339 instant with seconds and offset)' }) @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ example: '2024-12-01T00:00:00+08:00', description: 'events recorded before (RFC 3339 instant with seconds and offset)' }) @IsOptional() @IsInstant() to?: string;
  @ApiPropertyOptional({ description: "a programme's own stream, its applications' and its grants' streams" }) @IsOptional() @Matches(UUID) programmeId?: string;
}

export interface IntegrityReport extends VerificationReport {
  readonly checkedAt: string;
  /** Global position of the last event checked: the head of the log when the check started. */
  readonly checkedUpTo: number;
  /** The latest unsigned checkpoint, to keep outside the system (docs/audit.md §6); null before the first seal. */
  readonly lastCheckpoint: { readonly sequence: number; readonly toPosition: number; readonly digest: string } | null;
}

const outOfScope = () => new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '该记录不属于您所在城市', en: 'This record is outside your city' });

/** Online verification of the whole log and NDJSON exports that verify offline (docs/audit.md). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class IntegrityController {
  private readonly log = new Logger('AuditExport');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUDIT_OPTIONS) private readonly options: AuditModuleOptions,
  ) {}

  @Get('integrity')
  @Roles('auditor')
  @ApiOperation({ summary: 'Recomputes every hash, every stream chain and every checkpoint digest; reports the first broken link' })
  async integrity(): Promise<IntegrityReport> {
    const checkedAt = this.clock.now().toISOString();
    const head = await this.store.headPosition();
    const batchSize = this.options.batchSize;
    const checkpoints: RecordedEvent[] = [];
    for await (const batch of readCheckpoints(this.store, head, batchSize)) checkpoints.push(...batch);
    const verifier = new LogVerifier(checkpoints, { completeLog: true });
    for await (const event of eventsOf(this.store, head, batchSize)) verifier.add(event);
    const last = checkpoints.length ? checkpointDataOf(checkpoints[checkpoints.length - 1]) : null;
    return { ...verifier.finish(), checkedAt, checkedUpTo: Number(head), lastCheckpoint: last ? { sequence: last.sequence, toPosition: last.toPosition, digest: last.digest } : null };
  }

  @Get('export')
  @Roles('auditor')
  @ApiProduces(EXPORT_CONTENT_TYPE)
  @ApiOperation({
    summary: 'NDJSON export (header, events, covering checkpoints, end line) that scripts/verify.ts checks offline',
    description: 'An auditor without a city claim may export the whole log; an auditor of a city gets the streams of its programmes only.',
  })
  async export(@Query() query: ExportQueryDto, @CurrentPrincipal() principal: Principal, @Res() response: Response): Promise<void> {
    const from = query.from ? parseInstant(query.from)! : null;
    const to = query.to ? parseInstant(query.to)! : null;
    if (from && to && from.getTime() >= to.getTime()) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'EXPORT_RANGE_INVALID', { zh: '导出时间范围的起点必须早于终点', en: 'from must be before to' });
    }
    if (query.programmeId) {
      const [opened] = await this.store.readStream(`programme-${query.programmeId}`, { maxCount: 1 });
      if (!opened) throw notFound('PROGRAMME_NOT_FOUND', '计划不存在', 'No such programme');
      const city = cityOf(opened);
      if (principal.city !== null && city !== principal.city) throw outOfScope();
    }
    const exportedAt = this.clock.now();
    const filter: ExportFilter = {
      from: from ? from.toISOString() : null,
      to: to ? to.toISOString() : null,
      programmeId: query.programmeId ?? null,
      city: query.programmeId ? null : principal.city,
    };
    const chunks = exportLog(this.store, { filter, exportedAt: exportedAt.toISOString(), batchSize: this.options.batchSize });
    const first = await chunks.next();
    response.status(HttpStatus.OK);
    response.setHeader('Content-Type', `${EXPORT_CONTENT_TYPE}; charset=utf-8`);
    response.setHeader('Content-Disposition', `attachment; filename="audit-export-${exportedAt.toISOString().replace(/[:.]/g, '-')}.ndjson"`);
    response.setHeader('Cache-Control', 'no-store');
    try {
      if (!first.done) await writeWithBackpressure(response, first.value);
      for await (const chunk of chunks) {
        if (response.destroyed) break;
        await writeWithBackpressure(response, chunk);
      }
      await chunks.return(undefined);
      response.end();
    } catch (error) {
      // Headers are gone: the client sees a file without its end line, which the verifier reports.
      this.log.error({ msg: 'audit export failed while streaming', error: (error as Error).message });
      response.destroy(error as Error);
    }
  }
}

/** Writes a chunk and, when the socket's buffer is full, waits for it to drain (or close). */
function writeWithBackpressure(response: Response, chunk: string): Promise<void> {
  if (response.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
