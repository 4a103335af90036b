import type { RecordedEvent } from '@ipstd/event-store';
import type { AppendProjection, Row } from '@ipstd/platform';
import { shanghaiDate } from '@ipstd/kernel';
import { cityOf, readEvent } from '@ipstd/platform';
import { GRANT_EVENTS } from '@ipstd/grants';
import { payeeNameKey } from '../domain/statement-csv';

/** The money events of a grant and the ledger kind each becomes. */
export const LEDGER_KINDS = {
  GrantAwarded: 'awarded',
  TrancheReleaseOrdered: 'ordered',
  TranchePaid: 'paid',
  TrancheReleaseCancelled: 'order-cancelled',
  ClawbackOrdered: 'clawback-ordered',
  RepaymentRecorded: 'repaid',
  ClawbackWrittenOff: 'written-off',
} as const;
export type LedgerKind = (typeof LEDGER_KINDS)[keyof typeof LEDGER_KINDS];

/**
 * The finance ledger: one row per money event of every grant, in exact integer fen.
 * `entry_date` is the bank's value date for payments and repayments, and the Asia/Shanghai calendar
 * date of the event's own instant (awardedAt, orderedAt, writtenOffAt) for the others; `month` is
 * its YYYY-MM. Only the `awarded` row carries programme, city and enterprise: the other events do
 * not name them, so queries join a grant's entries to its awarded row (one table, one checkpoint,
 * so the two are always consistent with each other).
 *
 * A tranche order may be paid by several `paid` rows (one per payment confirmation). A cancelled order
 * keeps its `ordered` row and gets an `order-cancelled` row of the same (positive) amount, dated the day of
 * the cancellation: net ordered = Σ ordered − Σ order-cancelled.
 */
export const ledgerProjection: AppendProjection = {
  kind: 'append',
  name: 'finance-ledger',
  version: 1,
  table: {
    name: 'rm_finance_ledger',
    columns: {
      global_position: 'bigint',
      grant_id: 'text',
      kind: 'text',
      amount_fen: 'bigint',
      entry_date: 'text',
      month: 'text',
      reference: 'text',
      tranche_no: 'int',
      clawback_id: 'text',
      programme_id: 'text',
      city: 'text',
      credit_code: 'text',
      enterprise_name: 'text',
      /** payeeNameKey(enterprise_name): what a statement's payee_name is compared with. */
      enterprise_name_key: 'text',
      event_id: 'text',
      recorded_at: 'timestamptz',
    },
    primaryKey: ['global_position'],
    indexes: [['grant_id', 'kind'], ['kind', 'programme_id'], ['kind', 'city'], ['reference', 'kind']],
  },
  handles: Object.keys(LEDGER_KINDS),
  rowsFor(recorded: RecordedEvent): Row[] {
    const event = readEvent(GRANT_EVENTS, recorded);
    const base = { global_position: recorded.globalPosition.toString(), event_id: recorded.eventId, recorded_at: recorded.recordedAt };
    const entry = (kind: LedgerKind, amountFen: number, date: string, extra: Row = {}): Row[] => [
      { ...base, grant_id: event.data.grantId, kind, amount_fen: String(amountFen), entry_date: date, month: date.slice(0, 7), reference: null, tranche_no: null, clawback_id: null, programme_id: null, city: null, credit_code: null, enterprise_name: null, enterprise_name_key: null, ...extra },
    ];
    switch (event.type) {
      case 'GrantAwarded': {
        const d = event.data;
        return entry('awarded', d.awardFen, shanghaiDate(d.awardedAt), {
          programme_id: d.programmeId,
          city: cityOf(event),
          credit_code: d.enterprise.creditCode,
          enterprise_name: d.enterprise.name,
          enterprise_name_key: payeeNameKey(d.enterprise.name),
        });
      }
      case 'TrancheReleaseOrdered':
        return entry('ordered', event.data.amountFen, shanghaiDate(event.data.orderedAt), { tranche_no: event.data.trancheNo, reference: event.data.orderNo });
      case 'TranchePaid':
        return entry('paid', event.data.amountFen, event.data.valueDate, { tranche_no: event.data.trancheNo, reference: event.data.reference });
      case 'TrancheReleaseCancelled':
        return entry('order-cancelled', event.data.amountFen, shanghaiDate(event.data.cancelledAt), { tranche_no: event.data.trancheNo, reference: event.data.orderNo });
      case 'ClawbackOrdered':
        return entry('clawback-ordered', event.data.amountFen, shanghaiDate(event.data.orderedAt), { clawback_id: event.data.clawbackId });
      case 'RepaymentRecorded':
        return entry('repaid', event.data.amountFen, event.data.valueDate, { clawback_id: event.data.clawbackId, reference: event.data.reference });
      case 'ClawbackWrittenOff':
        return entry('written-off', event.data.amountFen, shanghaiDate(event.data.writtenOffAt), { clawback_id: event.data.clawbackId });
      default:
        return [];
    }
  },
};
