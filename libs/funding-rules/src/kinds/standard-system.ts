import { isIsoDate, yearsBefore } from '../calendar';
import { STANDARD_LEVELS, STANDARD_ROLES, StandardParticipation } from '../profile';
import { StandardSystemParams } from '../types';
import { bool, Check, decimal, integer, list, oneOf, shape } from '../checks';
import { compare, levelsText } from '../text';
import { EligibilityContext, Part, part, Verdict, verdict } from './verdict';

export const standardSystemParams: Check = shape({
  minCoveragePercent: decimal(0, 100),
  requireDepartment: bool,
  minStaff: integer(0),
  minStandards: integer(0),
  levels: list(oneOf(STANDARD_LEVELS), { min: 1, unique: true }),
  roles: list(oneOf(STANDARD_ROLES), { min: 1, unique: true }),
  windowYears: integer(1, 50),
});

export type ExclusionReason = 'level' | 'role' | 'date-invalid' | 'before-window' | 'after-reference-date';

/**
 * 标准化工作基础 (004_39c6efd61937e065.txt 三(三)): 标准覆盖率达80%以上 (以上 includes the figure);
 * a standardisation body and staff; 近五年内主导或参与过制修订国际、国家、行业标准2项（含）以上.
 * "近五年内" is read as publication on or after the same calendar day `windowYears` years before the
 * reference date (the call's deadline, Asia/Shanghai), up to and including the reference date.
 * The same standard code counts once.
 */
export function evaluateStandardSystem(params: StandardSystemParams, { profile, referenceDate }: EligibilityContext): Verdict {
  const standards = profile.standards;
  const windowFrom = yearsBefore(referenceDate, params.windowYears);
  const counted: string[] = [];
  const excluded: Array<{ code: string; reason: ExclusionReason }> = [];
  for (const participation of standards.participations) {
    const reason = exclusion(participation, params, windowFrom, referenceDate);
    if (reason) excluded.push({ code: participation.code, reason });
    else if (!counted.includes(participation.code)) counted.push(participation.code);
  }
  const parts: Part[] = [];
  const coverage = compare(standards.systemCoveragePercent, params.minCoveragePercent);
  parts.push({
    ok: standards.systemCoveragePercent >= params.minCoveragePercent,
    breach: 'fail',
    text: {
      zh: `企业标准体系覆盖率 ${standards.systemCoveragePercent}% ${coverage.zh} ${params.minCoveragePercent}%`,
      en: `enterprise standard system coverage ${standards.systemCoveragePercent}% ${coverage.en} ${params.minCoveragePercent}%`,
    },
  });
  if (params.requireDepartment) {
    parts.push(part(standards.department === true, 'fail', { zh: '设有负责标准化工作的机构', en: 'a standardisation department' }, { zh: '未设负责标准化工作的机构', en: 'no standardisation department' }));
  }
  if (params.minStaff > 0) {
    const staff = compare(standards.staff, params.minStaff);
    parts.push({
      ok: standards.staff >= params.minStaff,
      breach: 'fail',
      text: { zh: `标准化工作人员 ${standards.staff} 人 ${staff.zh} ${params.minStaff} 人`, en: `${standards.staff} standardisation staff ${staff.en} ${params.minStaff}` },
    });
  }
  const levels = levelsText(params.levels);
  const count = compare(counted.length, params.minStandards);
  const listed = counted.length > 0 ? { zh: `（${counted.join('、')}）`, en: ` (${counted.join(', ')})` } : { zh: '', en: '' };
  const others = excluded.length > 0 ? { zh: `，另有 ${excluded.length} 项因级别、角色或发布日期不计入`, en: `; ${excluded.length} other(s) not counted for level, role or publication date` } : { zh: '', en: '' };
  parts.push({
    ok: counted.length >= params.minStandards,
    breach: 'fail',
    text: {
      zh: `${windowFrom} 至 ${referenceDate} 发布的${levels.zh}标准 ${counted.length} 项${listed.zh} ${count.zh} ${params.minStandards} 项${others.zh}`,
      en: `${counted.length} ${levels.en} standard(s) published ${windowFrom} to ${referenceDate}${listed.en} ${count.en} ${params.minStandards}${others.en}`,
    },
  });
  return verdict(parts, {
    systemCoveragePercent: standards.systemCoveragePercent,
    department: standards.department,
    staff: standards.staff,
    windowFrom,
    windowTo: referenceDate,
    countedLevels: params.levels,
    counted,
    excluded,
  });
}

function exclusion(participation: StandardParticipation, params: StandardSystemParams, windowFrom: string, referenceDate: string): ExclusionReason | null {
  if (!params.levels.includes(participation.level)) return 'level';
  if (!params.roles.includes(participation.role)) return 'role';
  if (typeof participation.publishedOn !== 'string' || !isIsoDate(participation.publishedOn)) return 'date-invalid';
  if (participation.publishedOn < windowFrom) return 'before-window';
  if (participation.publishedOn > referenceDate) return 'after-reference-date';
  return null;
}
