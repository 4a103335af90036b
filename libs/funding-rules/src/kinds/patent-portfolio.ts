import { PatentPortfolioParams } from '../types';
import { bool, Check, integer, shape } from '../checks';
import { compare } from '../text';
import { EligibilityContext, Part, part, plural, Verdict, verdict } from './verdict';

export const patentPortfolioParams: Check = shape({
  requireManagementSystem: bool,
  requireDepartment: bool,
  minStaff: integer(0),
  minValidPatents: integer(0),
  minInventionPatents: integer(0),
  pctRatio: integer(1, 100),
});

/**
 * 知识产权工作基础 (004_39c6efd61937e065.txt 三(二)): management system, department and staff;
 * 有效专利50件(含)以上，其中有效发明专利不少于20件（进入国家阶段的PCT专利申请可按1:3抵算）.
 * "1:3" is read as one PCT national-phase application counting as `pctRatio` invention patents,
 * toward the invention-patent threshold only, not toward the total of valid patents.
 */
export function evaluatePatentPortfolio(params: PatentPortfolioParams, { profile }: EligibilityContext): Verdict {
  const ip = profile.ip;
  const inventions = ip.validInventionPatents;
  const pct = ip.pctNationalPhaseApplications;
  const equivalent = inventions + pct * params.pctRatio;
  const parts: Part[] = [];
  if (params.requireManagementSystem) {
    parts.push(part(ip.managementSystem === true, 'fail', { zh: '知识产权管理制度健全', en: 'IP management system in place' }, { zh: '未建立知识产权管理制度', en: 'no IP management system' }));
  }
  if (params.requireDepartment) {
    parts.push(part(ip.department === true, 'fail', { zh: '设有专门的知识产权管理部门', en: 'a dedicated IP department' }, { zh: '未设专门的知识产权管理部门', en: 'no dedicated IP department' }));
  }
  if (params.minStaff > 0) {
    const sign = compare(ip.staff, params.minStaff);
    parts.push({ ok: ip.staff >= params.minStaff, breach: 'fail', text: { zh: `知识产权管理人员 ${ip.staff} 人 ${sign.zh} ${params.minStaff} 人`, en: `${ip.staff} IP staff ${sign.en} ${params.minStaff}` } });
  }
  const total = compare(ip.validPatents, params.minValidPatents);
  parts.push({
    ok: ip.validPatents >= params.minValidPatents,
    breach: 'fail',
    text: {
      zh: `有效专利 ${ip.validPatents} 件 ${total.zh} ${params.minValidPatents} 件`,
      en: `${plural(ip.validPatents, 'valid patent')} ${total.en} ${params.minValidPatents}`,
    },
  });
  const converted = compare(equivalent, params.minInventionPatents);
  parts.push({
    ok: equivalent >= params.minInventionPatents,
    breach: 'fail',
    text: {
      zh: `有效发明专利 ${inventions} 件 + 进入国家阶段的PCT申请 ${pct} 件 × ${params.pctRatio} = ${equivalent} 件 ${converted.zh} ${params.minInventionPatents} 件`,
      en: `${plural(inventions, 'valid invention patent')} + ${plural(pct, 'PCT national-phase application')} × ${params.pctRatio} = ${equivalent} ${converted.en} ${params.minInventionPatents}`,
    },
  });
  return verdict(parts, {
    managementSystem: ip.managementSystem,
    department: ip.department,
    staff: ip.staff,
    validPatents: ip.validPatents,
    validInventionPatents: inventions,
    pctNationalPhaseApplications: pct,
    pctRatio: params.pctRatio,
    inventionPatentEquivalent: equivalent,
  });
}

