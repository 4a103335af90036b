import { BilingualText, DomainError, formatShanghai } from '@ipstd/kernel';
import { GrantStatus } from './state';

export const GRANT_STATUS_TEXT: Readonly<Record<GrantStatus, BilingualText>> = {
  awarded: { zh: '已立项', en: 'awarded' },
  'in-implementation': { zh: '实施中', en: 'in implementation' },
  'acceptance-requested': { zh: '已申请验收', en: 'awaiting the acceptance decision' },
  accepted: { zh: '验收通过', en: 'accepted' },
  failed: { zh: '验收未通过', en: 'failed at acceptance' },
  closed: { zh: '已结项', en: 'closed' },
};

export function describeInstant(instant: string): BilingualText {
  return { zh: `${formatShanghai(instant)}（北京时间）`, en: `${formatShanghai(instant)} Asia/Shanghai` };
}

export const grantNotFound = (): DomainError => new DomainError('GRANT_NOT_FOUND', 'not-found', { zh: '项目不存在', en: 'No such grant' });

export const statusConflict = (status: GrantStatus, action: BilingualText): DomainError => {
  const text = GRANT_STATUS_TEXT[status];
  return new DomainError(
    'GRANT_STATUS_CONFLICT',
    'state',
    { zh: `项目当前状态为“${text.zh}”，不能${action.zh}`, en: `The grant is ${text.en}; ${action.en} is not possible` },
    { status },
  );
};

export const amountInvalid = (field: string): DomainError =>
  new DomainError('AMOUNT_INVALID', 'rule', { zh: `金额（${field}）必须是正整数（分）`, en: `The amount (${field}) must be a positive whole number of fen` }, { field });

export const textRequired = (code: string, field: string, label: BilingualText): DomainError =>
  new DomainError(code, 'rule', { zh: `${label.zh}不能为空`, en: `${label.en} is required` }, { field });

export const dateInvalid = (field: string): DomainError =>
  new DomainError('DATE_INVALID', 'rule', { zh: `日期（${field}）必须是有效的 YYYY-MM-DD 日期`, en: `The date (${field}) must be a valid YYYY-MM-DD date` }, { field });

export const timeInvalid = (): DomainError =>
  new DomainError('COMMAND_TIME_INVALID', 'rule', { zh: '命令时间无效', en: 'The command carries no valid time' }, { field: 'now' });
