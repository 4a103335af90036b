import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { CommandPipeline, CurrentPrincipal, PG_POOL, Principal, ProblemException, Roles, UuidParam, districtCoveredSql, readRuleCatalog, scopeCoversCity } from '@ipstd/platform';
import { loadOpenProgramme } from '@ipstd/applications';
import { CityTarget, IndicatorValue, RuleSet } from '@ipstd/funding-rules';

const outOfScope = () => new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '无权查看其他城市的数据', en: 'Your scope does not cover this city' });

/**
 * How the city targets (002_2717c857cd88b5c5.txt 二(二)–(四)) are measured from what this system
 * records: designations (selected applications under the city's pilot rule set) and the indicator
 * values of each pilot enterprise's latest passed evaluation. Targets it cannot observe are reported
 * as not tracked, with the reason, rather than as zero.
 */
const MEASURES: Readonly<Record<string, { kind: 'designations' } | { kind: 'indicator'; input: string; how: 'sum' | 'count-true' }>> = {
  'RZ-C1': { kind: 'indicator', input: 'standardsByLevel', how: 'sum' },
  'RZ-C2': { kind: 'indicator', input: 'leaderStandards', how: 'sum' },
  'RZ-C4': { kind: 'designations' },
  'RZ-C6': { kind: 'indicator', input: 'ipManagementCertified', how: 'count-true' },
  'RZ-C7': { kind: 'indicator', input: 'standardisationGoodBehaviour', how: 'count-true' },
  'RZ-C8': { kind: 'indicator', input: 'highValuePatentCentre', how: 'count-true' },
  'RZ-C10': { kind: 'indicator', input: 'peopleTrained', how: 'sum' },
};

function amount(value: IndicatorValue | undefined, how: 'sum' | 'count-true'): number {
  if (how === 'count-true') return value === true ? 1 : 0;
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object') return Object.values(value).reduce((s: number, n) => s + (n ?? 0), 0);
  return 0;
}

@ApiTags('dashboards')
@ApiBearerAuth()
@Controller('v1/dashboards')
export class DashboardsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, private readonly pipeline: CommandPipeline) {}

  @Get('programmes/:programmeId')
  @Roles('programme-admin', 'auditor', 'finance')
  @ApiOperation({ summary: 'A programme at a glance: applications by status and district, eligibility, budget, money by grant status' })
  async programme(@Param('programmeId', UuidParam) programmeId: string, @CurrentPrincipal() principal: Principal) {
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    const { terms } = programme.state;
    if (!scopeCoversCity(principal, terms.city)) throw outOfScope();
    const [byStatus, byDistrict, byEligibility, money] = await Promise.all([
      this.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from rm_applications where programme_id = $1 group by status order by status', [programmeId]),
      this.pool.query<{ district: string; status: string; n: number }>('select district, status, count(*)::int as n from rm_applications where programme_id = $1 group by district, status order by district, status', [programmeId]),
      this.pool.query<{ eligibility: string | null; n: number }>('select eligibility, count(*)::int as n from rm_applications where programme_id = $1 group by eligibility order by eligibility', [programmeId]),
      this.pool.query(
        `select status, count(*)::int as grants, coalesce(sum(award_fen), 0)::text as award_fen, coalesce(sum(ordered_fen), 0)::text as ordered_fen,
                coalesce(sum(paid_fen), 0)::text as paid_fen, coalesce(sum(clawback_ordered_fen), 0)::text as clawback_ordered_fen,
                coalesce(sum(repaid_fen), 0)::text as repaid_fen, coalesce(sum(written_off_fen), 0)::text as written_off_fen
         from rm_grants where programme_id = $1 group by status order by status`,
        [programmeId],
      ),
    ]);
    const fen = (v: string) => Number(v);
    return {
      programmeId,
      code: terms.code,
      funnel: {
        byStatus: Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n])),
        byDistrict: byDistrict.rows.reduce<Record<string, Record<string, number>>>((acc, r) => ({ ...acc, [r.district]: { ...(acc[r.district] ?? {}), [r.status]: r.n } }), {}),
        byEligibility: Object.fromEntries(byEligibility.rows.map((r) => [r.eligibility ?? 'not-assessed', r.n])),
      },
      budget: { budgetFen: terms.budgetFen, committedFen: programme.state.committedFen, remainingFen: terms.budgetFen - programme.state.committedFen },
      moneyByGrantStatus: Object.fromEntries(
        money.rows.map((r) => [
          r.status,
          { grants: r.grants, awardFen: fen(r.award_fen), orderedFen: fen(r.ordered_fen), paidFen: fen(r.paid_fen), clawbackOrderedFen: fen(r.clawback_ordered_fen), repaidFen: fen(r.repaid_fen), writtenOffFen: fen(r.written_off_fen) },
        ]),
      ),
    };
  }

  @Get('cities/:city/targets')
  @Roles('programme-admin', 'auditor')
  @ApiOperation({ summary: "The city's targets (Rizhao 2025: 002_2717c857cd88b5c5.txt 二(二)–(四)) against what the pilot enterprises achieved" })
  async cityTargets(@Param('city') city: string, @CurrentPrincipal() principal: Principal) {
    if (!scopeCoversCity(principal, city)) throw outOfScope();
    const state = await readRuleCatalog(this.pipeline);
    const latest = new Map<string, RuleSet>();
    for (const ruleSet of state.published) if (ruleSet.city === city && ruleSet.cityTargets?.length) latest.set(ruleSet.id, ruleSet);
    const results = [];
    for (const ruleSet of latest.values()) {
      const key = `${ruleSet.id}@%`;
      // The city's districts, exactly along GB/T 2260 (a county-level city counts only itself).
      const designatedParams: string[] = [key];
      const { rows: designated } = await this.pool.query<{ n: number }>(
        `select count(*)::int as n from rm_applications where status = 'selected' and rule_set like $1 and ${districtCoveredSql('district', city, (v) => `$${designatedParams.push(v)}`)}`,
        designatedParams,
      );
      const evaluationParams: string[] = [key];
      const { rows: evaluations } = await this.pool.query<{ indicators: Array<{ input: string; value: IndicatorValue }> }>(
        `select distinct on (e.grant_id) e.indicators from rm_evaluations e join rm_grants g on g.grant_id = e.grant_id
         where e.outcome = 'passed' and e.rule_set like $1 and ${districtCoveredSql('g.district', city, (v) => `$${evaluationParams.push(v)}`)} order by e.grant_id, e.evaluated_at desc`,
        evaluationParams,
      );
      const targets = (ruleSet.cityTargets ?? []).map((target: CityTarget) => {
        const measure = MEASURES[target.id];
        let actual: number | null = null;
        if (measure?.kind === 'designations') actual = designated[0].n;
        if (measure?.kind === 'indicator') {
          actual = evaluations.reduce((sum, e) => sum + amount(e.indicators.find((i) => i.input === measure.input)?.value, measure.how), 0);
        }
        return {
          id: target.id,
          citation: target.citation,
          description: target.description,
          target: target.value,
          unit: target.unit,
          comparison: target.comparison,
          dueBy: target.dueBy,
          actual,
          progressPercent: actual === null ? null : Math.round((actual / target.value) * 1000) / 10,
          tracked: actual !== null,
          note: actual === null
            ? { zh: '本系统不记录该指标的数据，需市统计口径', en: 'Not recorded by this system; it needs city statistics' }
            : measure?.kind === 'designations'
              ? { zh: '已立项（认定）的试点企业数', en: 'Pilot enterprises designated (selected)' }
              : { zh: '各试点企业最近一次合格评价的指标值汇总', en: "Sum over pilot enterprises' latest passed evaluations" },
        };
      });
      results.push({ ruleSet: { id: ruleSet.id, version: ruleSet.version }, targets });
    }
    return { city, ruleSets: results };
  }
}
