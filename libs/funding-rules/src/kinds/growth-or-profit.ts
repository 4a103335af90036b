import { formatYuan } from '@ipstd/kernel';
import { yearOf } from '../calendar';
import { BREACH_OUTCOMES, GrowthOrProfitParams } from '../types';
import { bool, Check, integer, oneOf, shape } from '../checks';
import { EligibilityContext, Part, part, Verdict, verdict } from './verdict';

export const growthOrProfitParams: Check = shape({ years: integer(2, 10), shortfall: oneOf(BREACH_OUTCOMES), requireHealthyAssets: bool });

/**
 * 企业资产及经营状况良好，原则上近三年主营业务保持增长或持续盈利 (004_39c6efd61937e065.txt 三(一)).
 * "近三年" is read as the complete fiscal years before the reference date's year; "保持增长" as
 * revenue above the previous year's in each of them; "持续盈利" as net profit above zero in each.
 * "原则上" (in principle) makes a shortfall a point for reviewers, not a rejection.
 */
export function evaluateGrowthOrProfit(params: GrowthOrProfitParams, { profile, referenceDate }: EligibilityContext): Verdict {
  const last = yearOf(referenceDate) - 1;
  const years = Array.from({ length: params.years }, (_, i) => last - params.years + 1 + i);
  const rows = years.map((year) => profile.finance.years.find((row) => row.year === year) ?? null);
  const span = `${years[0]}–${last}`;
  const parts: Part[] = [];
  if (params.requireHealthyAssets) {
    parts.push(
      part(
        profile.finance.assetsHealthy === true,
        'fail',
        { zh: '资产及经营状况良好', en: 'assets and operations in good order' },
        { zh: '资产及经营状况未申报为良好', en: 'assets and operations not declared in good order' },
      ),
    );
  }
  const missing = years.filter((_, i) => rows[i] === null);
  const inputs = {
    years,
    assetsHealthy: profile.finance.assetsHealthy,
    revenueFen: rows.map((row) => row?.revenueFen ?? null),
    netProfitFen: rows.map((row) => row?.netProfitFen ?? null),
  };
  if (missing.length > 0) {
    parts.push({
      ok: false,
      breach: params.shortfall,
      text: {
        zh: `缺少 ${missing.join('、')} 年度财务数据，无法判断 ${span} 年是否保持增长或持续盈利`,
        en: `no financial data for ${missing.join(', ')}, so growth or continuous profit over ${span} cannot be judged`,
      },
    });
    return verdict(parts, { ...inputs, growth: null, continuousProfit: null });
  }
  const present = rows.filter((row) => row !== null);
  const growth = present.every((row, i) => i === 0 || row.revenueFen > present[i - 1].revenueFen);
  const continuousProfit = present.every((row) => row.netProfitFen > 0);
  const revenue = present.map((row) => formatYuan(row.revenueFen)).join(' → ');
  const profit = { zh: present.map((row) => formatYuan(row.netProfitFen)).join('、'), en: present.map((row) => formatYuan(row.netProfitFen)).join(', ') };
  const revenueText = growth
    ? { zh: `${span} 年主营业务收入逐年增长（${revenue} 元）`, en: `main-business revenue rose every year ${span} (CNY ${revenue})` }
    : { zh: `${span} 年主营业务收入未逐年增长（${revenue} 元）`, en: `main-business revenue did not rise every year ${span} (CNY ${revenue})` };
  const profitText = continuousProfit
    ? { zh: `各年净利润均为正（${profit.zh} 元）`, en: `net profit positive every year (CNY ${profit.en})` }
    : { zh: `并非各年盈利（${profit.zh} 元）`, en: `not profitable every year (CNY ${profit.en})` };
  const ok = growth || continuousProfit;
  const note = !ok && params.shortfall === 'finding' ? { zh: '，属“原则上”条件，交评审专家判断', en: ': an "in principle" condition, flagged for reviewers' } : { zh: '', en: '' };
  parts.push({ ok, breach: params.shortfall, text: { zh: `${revenueText.zh}，${profitText.zh}${note.zh}`, en: `${revenueText.en}, ${profitText.en}${note.en}` } });
  return verdict(parts, { ...inputs, growth, continuousProfit });
}
