import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { CurrentPrincipal, PG_POOL, Principal, ProblemException, Roles, UuidParam, districtCoveredSql, divisionCovers, filterOutOfScope, notFound } from '@ipstd/platform';
import { HttpStatus } from '@nestjs/common';
import { programmeStream } from '@ipstd/applications';
import { ApplicationsQueryDto } from './queries.dto';
import { decodeCursor, encodeCursor } from './pagination';

@ApiTags('applications')
@ApiBearerAuth()
@Controller('v1/programmes')
export class ApplicationsQueryController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':programmeId/applications')
  @Roles('applicant', 'district-office', 'programme-admin', 'auditor')
  @ApiOperation({ summary: 'Applications of a programme, filtered by status and district, newest last, keyset-paginated' })
  async list(@Param('programmeId', UuidParam) programmeId: string, @Query() query: ApplicationsQueryDto, @CurrentPrincipal() principal: Principal) {
    const [first] = await this.store.readStream(programmeStream(programmeId), { maxCount: 1 });
    if (!first) throw notFound('PROGRAMME_NOT_FOUND', '申报通知不存在', 'No such programme call');
    const limit = query.limit ?? 50;
    const where: string[] = ['programme_id = $1'];
    const params: unknown[] = [programmeId];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    const bind = (value: string) => {
      params.push(value);
      return `$${params.length}`;
    };
    // The caller's scope, compared exactly (auth/policy.ts): rows outside it are never listed, and a
    // district filter outside it is refused rather than silently answered with nothing.
    switch (principal.role) {
      case 'applicant':
        add('credit_code = ?', principal.org ?? '');
        break;
      case 'district-office':
        if (query.district && query.district !== principal.district) throw filterOutOfScope('district');
        add('district = ?', principal.district ?? '');
        break;
      default:
        if (principal.city === null) {
          throw new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '令牌未指明所属城市，无法列出申报', en: 'Your token names no city, so there is nothing to list' });
        }
        if (query.district && !divisionCovers(principal.city, query.district)) throw filterOutOfScope('district');
        where.push(districtCoveredSql('district', principal.city, bind));
    }
    if (query.status) add('status = ?', query.status);
    if (query.district) add('district = ?', query.district);
    if (query.eligibility) add('eligibility = ?', query.eligibility);
    const after = decodeCursor(query.cursor, ['instant', 'uuid']);
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(submitted_at, application_id) > ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query(
      `select application_id, status, district, credit_code, enterprise_name, project_title, requested_amount_fen,
              submitted_at, updated_at, amendments, eligibility, rule_set, revision
       from rm_applications where ${where.join(' and ')}
       order by submitted_at, application_id limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        applicationId: r.application_id,
        status: r.status,
        district: r.district,
        creditCode: r.credit_code,
        enterpriseName: r.enterprise_name,
        projectTitle: r.project_title,
        requestedAmountFen: Number(r.requested_amount_fen),
        submittedAt: (r.submitted_at as Date).toISOString(),
        updatedAt: (r.updated_at as Date).toISOString(),
        amendments: r.amendments,
        eligibility: r.eligibility,
        ruleSet: r.rule_set,
        revision: Number(r.revision),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor([(last.submitted_at as Date).toISOString(), last.application_id]) : null,
    };
  }
}
