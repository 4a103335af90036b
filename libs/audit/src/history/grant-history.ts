import { BilingualText, assertNever, formatYuan } from '@ipstd/kernel';
import { GrantEvent } from '@ipstd/grants';

/** What a grant event means, in both languages, for the auditors' timeline. */
export function describeGrantEvent(event: GrantEvent): BilingualText {
  switch (event.type) {
    case 'GrantAwarded':
      return {
        zh: `下达资助 ${formatYuan(event.data.awardFen)} 元，分 ${event.data.tranches.length} 批拨付，实施期 ${event.data.implementation.months} 个月`,
        en: `Awarded ${formatYuan(event.data.awardFen)} yuan in ${event.data.tranches.length} tranche(s); implementation ${event.data.implementation.months} months`,
      };
    case 'AgreementSigned':
      return { zh: '签订项目合同，进入实施期', en: 'Agreement signed; implementation under way' };
    case 'TrancheReleaseOrdered':
      return { zh: `市局下达第 ${event.data.trancheNo} 批拨款 ${formatYuan(event.data.amountFen)} 元（${event.data.orderNo}）`, en: `Bureau ordered tranche ${event.data.trancheNo}: ${formatYuan(event.data.amountFen)} yuan (${event.data.orderNo})` };
    case 'TranchePaid':
      return { zh: `财政局确认第 ${event.data.trancheNo} 批已拨付 ${formatYuan(event.data.amountFen)} 元（${event.data.reference}，${event.data.valueDate}）`, en: `Finance confirmed tranche ${event.data.trancheNo} paid: ${formatYuan(event.data.amountFen)} yuan (${event.data.reference}, value date ${event.data.valueDate})` };
    case 'TranchePaidInFull':
      return { zh: `第 ${event.data.trancheNo} 批拨付令（${event.data.orderNo}）${formatYuan(event.data.paidFen)} 元已全部拨付`, en: `Tranche ${event.data.trancheNo} (order ${event.data.orderNo}) paid in full: ${formatYuan(event.data.paidFen)} yuan` };
    case 'TrancheReleaseCancelled':
      return {
        zh: `市局撤销第 ${event.data.trancheNo} 批拨付令（${event.data.orderNo}，${formatYuan(event.data.amountFen)} 元）：${event.data.reason}`,
        en: `Bureau cancelled the release order for tranche ${event.data.trancheNo} (${event.data.orderNo}, ${formatYuan(event.data.amountFen)} yuan): ${event.data.reason}`,
      };
    case 'MidTermInspected':
      return { zh: `中期检查：${{ passed: '通过', 'at-risk': '存在风险', failing: '未达要求' }[event.data.outcome]}`, en: `Mid-term inspection: ${event.data.outcome}` };
    case 'AcceptanceRequested':
      return { zh: '项目单位提出验收申请', en: 'The enterprise requested acceptance' };
    case 'AcceptanceDecided':
      return {
        zh: `验收${event.data.decision === 'accepted' ? '通过' : '不通过'}${event.data.unmet.length ? `，未完成：${event.data.unmet.join('、')}` : ''}${event.data.reason ? `；${event.data.reason}` : ''}`,
        en: `Acceptance ${event.data.decision}${event.data.unmet.length ? `; unmet: ${event.data.unmet.join(', ')}` : ''}${event.data.reason ? `; ${event.data.reason}` : ''}`,
      };
    case 'GrantEvaluated':
      return { zh: `评价得分 ${event.data.score}，合格线 ${event.data.passMark}：${event.data.outcome === 'passed' ? '合格' : '不合格'}`, en: `Evaluated ${event.data.score} against ${event.data.passMark}: ${event.data.outcome}` };
    case 'ClawbackOrdered':
      return { zh: `责令收回资金 ${formatYuan(event.data.amountFen)} 元，限 ${event.data.dueDate} 前缴回：${event.data.reason}`, en: `Clawback of ${formatYuan(event.data.amountFen)} yuan ordered, due ${event.data.dueDate}: ${event.data.reason}` };
    case 'RepaymentRecorded':
      return { zh: `收到缴回资金 ${formatYuan(event.data.amountFen)} 元（${event.data.reference}）`, en: `Repayment of ${formatYuan(event.data.amountFen)} yuan received (${event.data.reference})` };
    case 'ClawbackSettled':
      return { zh: '收回资金已全部缴回', en: 'Clawback repaid in full' };
    case 'ClawbackOverdue':
      return { zh: `收回资金逾期未缴，尚欠 ${formatYuan(event.data.outstandingFen)} 元`, en: `Clawback overdue; ${formatYuan(event.data.outstandingFen)} yuan outstanding` };
    case 'ClawbackWrittenOff':
      return { zh: `核销收回资金 ${formatYuan(event.data.amountFen)} 元：${event.data.reason}`, en: `Wrote off ${formatYuan(event.data.amountFen)} yuan of a clawback: ${event.data.reason}` };
    case 'GrantSuspended':
      return { zh: `暂停拨付：${event.data.reason.zh}`, en: `Suspended: ${event.data.reason.en}` };
    case 'GrantSuspensionDecided':
      return event.data.decision === 'continue'
        ? { zh: `市局决定继续执行，恢复拨付：${event.data.reason}`, en: `The bureau decided to continue; releases resume: ${event.data.reason}` }
        : { zh: `市局决定收回资金，暂停结束：${event.data.reason}`, en: `The bureau decided to claw back; the suspension ends: ${event.data.reason}` };
    case 'GrantClosed':
      return { zh: '项目结项', en: 'Grant closed' };
    default:
      return assertNever(event);
  }
}
