import { Controller, Get, HttpStatus, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { Clock } from '@ipstd/kernel';
import {
  CLOCK,
  CurrentPrincipal,
  PG_POOL,
  Principal,
  ProblemException,
  Roles,
  districtCoveredSql,
  divisionCovers,
  filterOutOfScope,
  prefectureOf,
} from '@ipstd/platform';
import { AssignmentsQueryDto, GrantsQueryDto, ProgrammesQueryDto } from './queries.dto';
import { decodeCursor, encodeCursor } from './pagination';
import { ExpertAssignment } from '../projections/expert-assignments.projection';

/** Builds a parameterised where-clause. */
class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];
  bind = (value: unknown): string => {
    this.params.push(value);
    return `$${this.params.length}`;
  };
  add(clause: string, ...values: unknown[]): void {
    let i = 0;
    this.clauses.push(clause.replace(/\?/g, () => this.bind(values[i++])));
  }
  sql(): string {
    return this.clauses.length ? `where ${this.clauses.join(' and ')}` : '';
  }
}

const noCity = () =>
  new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '令牌未指明所属城市，无法列出', en: 'Your token names no city, so there is nothing to list' });

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

/**
 * The lists every role needs to find its work (docs/api-guide.md, "Lists"): calls, grants and an
 * expert's assignments. Each is keyset-paginated with an opaque cursor (limit 1–200, default 50) and
 * scoped like the single-record reads: rows outside the caller's scope are never listed, a filter
 * naming something outside it is refused (403 FILTER_OUT_OF_SCOPE).
 */
@ApiBearerAuth()
@Controller('v1')
export class ListsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(CLOCK) private readonly clock: Clock) {}

  @Get('programmes')
  @ApiTags('programmes')
  @Roles('applicant', 'district-office', 'programme-admin', 'finance', 'auditor')
  @ApiOperation({
    summary:
      'Programme calls, oldest first: applicants see the calls accepting applications now (any city); the bureau, finance and auditors every call of their city; a district office every call of its city. Filters: city, phase, ruleSet (id or id@version)',
  })
  async programmes(@Query() query: ProgrammesQueryDto, @CurrentPrincipal() principal: Principal) {
    const limit = query.limit ?? 50;
    const where = new Where();
    const now = this.clock.now().toISOString();
    switch (principal.role) {
      case 'applicant':
        // The calls an enterprise can apply to: those whose window is open now.
        if (query.phase && query.phase !== 'accepting') throw filterOutOfScope('phase');
        where.add('opens_at <= ?::timestamptz and closes_at >= ?::timestamptz', now, now);
        break;
      case 'district-office': {
        if (!principal.district) throw noCity();
        const cities = [principal.district, prefectureOf(principal.district)];
        if (query.city && !cities.includes(query.city)) throw filterOutOfScope('city');
        where.add('(city = ? or city = ?)', cities[0], cities[1]);
        break;
      }
      default:
        if (principal.city === null) throw noCity();
        if (query.city && query.city !== principal.city) throw filterOutOfScope('city');
        where.add('city = ?', principal.city);
    }
    if (query.city) where.add('city = ?', query.city);
    if (query.phase === 'not-yet-open') where.add('opens_at > ?::timestamptz', now);
    if (query.phase === 'accepting') where.add('opens_at <= ?::timestamptz and closes_at >= ?::timestamptz', now, now);
    if (query.phase === 'closed') where.add('closes_at < ?::timestamptz', now);
    if (query.ruleSet) {
      const [id, version] = query.ruleSet.split('@');
      where.add('rule_set_id = ?', id);
      if (version !== undefined) where.add('rule_set_version = ?', Number(version));
    }
    const after = decodeCursor(query.cursor, ['instant', 'uuid']);
    if (after) where.add('(opened_at, programme_id) > (?::timestamptz, ?)', after[0], after[1]);
    const { rows } = await this.pool.query(
      `select * from rm_programmes ${where.sql()} order by opened_at, programme_id limit ${where.bind(limit + 1)}`,
      where.params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const at = this.clock.now().getTime();
    return {
      items: page.map((r) => ({
        programmeId: r.programme_id,
        code: r.code,
        title: r.title,
        city: r.city,
        ruleSet: { id: r.rule_set_id, version: Number(r.rule_set_version) },
        window: { opensAt: iso(r.opens_at), closesAt: iso(r.closes_at) },
        endorsementDeadline: iso(r.endorsement_deadline),
        phase: at < (r.opens_at as Date).getTime() ? 'not-yet-open' : at > (r.closes_at as Date).getTime() ? 'closed' : 'accepting',
        budgetFen: Number(r.budget_fen),
        openedAt: iso(r.opened_at),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor([iso(last.opened_at), last.programme_id]) : null,
    };
  }

  @Get('grants')
  @ApiTags('grants')
  @Roles('applicant', 'district-office', 'programme-admin', 'finance', 'auditor')
  @ApiOperation({
    summary:
      "Grants, in award order: the bureau, finance and auditors of the grant's city, the district office of its district, the enterprise its own. Filters: programmeId, applicationId, status, district",
  })
  async grants(@Query() query: GrantsQueryDto, @CurrentPrincipal() principal: Principal) {
    const limit = query.limit ?? 50;
    const where = new Where();
    switch (principal.role) {
      case 'applicant':
        where.add('credit_code = ?', principal.org ?? '');
        break;
      case 'district-office':
        if (query.district && query.district !== principal.district) throw filterOutOfScope('district');
        where.add('district = ?', principal.district ?? '');
        break;
      default:
        if (principal.city === null) throw noCity();
        if (query.district && !divisionCovers(principal.city, query.district)) throw filterOutOfScope('district');
        where.clauses.push(districtCoveredSql('district', principal.city, where.bind));
    }
    if (query.programmeId) where.add('programme_id = ?', query.programmeId);
    if (query.applicationId) where.add('application_id = ?', query.applicationId);
    if (query.status) where.add('status = ?', query.status);
    if (query.district) where.add('district = ?', query.district);
    const after = decodeCursor(query.cursor, ['instant', 'uuid']);
    if (after) where.add('(awarded_at, grant_id) > (?::timestamptz, ?)', after[0], after[1]);
    const { rows } = await this.pool.query(
      `select grant_id, application_id, programme_id, credit_code, district, status, award_fen, ordered_fen, paid_fen,
              clawback_ordered_fen, repaid_fen, written_off_fen, open_clawbacks, awarded_at, updated_at, revision, state->'enterprise'->>'name' as enterprise_name
       from rm_grants ${where.sql()} order by awarded_at, grant_id limit ${where.bind(limit + 1)}`,
      where.params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => {
        const paid = Number(r.paid_fen);
        const repaid = Number(r.repaid_fen);
        return {
          grantId: r.grant_id,
          applicationId: r.application_id,
          programmeId: r.programme_id,
          creditCode: r.credit_code,
          enterpriseName: r.enterprise_name,
          district: r.district,
          status: r.status,
          awardFen: Number(r.award_fen),
          orderedFen: Number(r.ordered_fen),
          paidFen: paid,
          repaidFen: repaid,
          netPaidFen: paid - repaid,
          outstandingFen: Number(r.clawback_ordered_fen) - repaid - Number(r.written_off_fen),
          openClawbacks: Number(r.open_clawbacks),
          awardedAt: iso(r.awarded_at),
          updatedAt: iso(r.updated_at),
          revision: Number(r.revision),
        };
      }),
      nextCursor: rows.length > limit && last ? encodeCursor([iso(last.awarded_at), last.grant_id]) : null,
    };
  }

  @Get('experts/me/assignments')
  @ApiTags('experts')
  @Roles('expert')
  @ApiOperation({
    summary:
      "The calling expert's review and defense assignments (applications whose panel names them and on which they have declared no conflict), in assignment order; state=open keeps those still waiting for their scores",
  })
  async assignments(@Query() query: AssignmentsQueryDto, @CurrentPrincipal() principal: Principal) {
    const limit = query.limit ?? 50;
    const where = new Where();
    where.add('experts @> ?::jsonb', JSON.stringify([principal.sub]));
    if (query.programmeId) where.add('programme_id = ?', query.programmeId);
    if (query.state === 'open') {
      where.add(
        `exists (select 1 from jsonb_array_elements(assignments) a where a->>'expertId' = ? and (
           (a->'review'->>'submitted' = 'false' and a->'review'->>'closed' = 'false') or (a->'defense'->>'submitted' = 'false' and status = 'invited-to-defense')))`,
        principal.sub,
      );
    }
    const after = decodeCursor(query.cursor, ['instant', 'uuid']);
    if (after) where.add('(assigned_at, application_id) > (?::timestamptz, ?)', after[0], after[1]);
    const { rows } = await this.pool.query(
      `select application_id, programme_id, status, project_title, assignments, assigned_at from rm_expert_assignments ${where.sql()}
       order by assigned_at, application_id limit ${where.bind(limit + 1)}`,
      where.params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => {
        const mine = (r.assignments as ExpertAssignment[]).find((a) => a.expertId === principal.sub)!;
        return {
          applicationId: r.application_id,
          programmeId: r.programme_id,
          projectTitle: r.project_title,
          status: r.status,
          assignedAt: iso(r.assigned_at),
          review: { scoresSubmitted: mine.review.submitted, closed: mine.review.closed, scoresPath: `/v1/applications/${r.application_id}/reviews/${principal.sub}` },
          defense: mine.defense && {
            roundId: mine.defense.roundId,
            scoreSubmitted: mine.defense.submitted,
            scorePath: `/v1/applications/${r.application_id}/defense-scores/${principal.sub}`,
          },
        };
      }),
      nextCursor: rows.length > limit && last ? encodeCursor([iso(last.assigned_at), last.application_id]) : null,
    };
  }
}
