import { QmsAndTrademarkParams } from '../types';
import { bool, Check, integer, shape } from '../checks';
import { compare } from '../text';
import { EligibilityContext, Part, part, Verdict, verdict } from './verdict';

export const qmsAndTrademarkParams: Check = shape({ requireQms: bool, minTrademarks: integer(0) });

/** 品控能力 (004_39c6efd61937e065.txt 三(四)): 通过质量管理体系认证 … 自身拥有有效注册商标. */
export function evaluateQmsAndTrademark(params: QmsAndTrademarkParams, { profile }: EligibilityContext): Verdict {
  const { qmsCertified, registeredTrademarks } = profile.quality;
  const parts: Part[] = [];
  if (params.requireQms) {
    parts.push(part(qmsCertified === true, 'fail', { zh: '通过质量管理体系认证', en: 'quality management system certified' }, { zh: '未通过质量管理体系认证', en: 'no quality management system certification' }));
  }
  const sign = compare(registeredTrademarks, params.minTrademarks);
  parts.push({
    ok: registeredTrademarks >= params.minTrademarks,
    breach: 'fail',
    text: {
      zh: `有效注册商标 ${registeredTrademarks} 件 ${sign.zh} ${params.minTrademarks} 件`,
      en: `${registeredTrademarks} valid registered trademark(s) ${sign.en} ${params.minTrademarks}`,
    },
  });
  return verdict(parts, { qmsCertified, registeredTrademarks });
}
