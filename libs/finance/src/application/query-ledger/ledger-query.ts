import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL, ProblemException } from '@ipstd/platform';
import { inSnapshot } from '../snapshot';

/** Money of a grant, a month or a programme, integer fen (docs/finance.md §Ledger). */
export interface LedgerFigures {
  readonly awardedFen: number;
  readonly orderedFen: number;
  readonly paidFen: number;
  readonly clawbackOrderedFen: number;
  readonly repaidFen: number;
  readonly writtenOffFen: number;
  /** ordered − paid: ordered, not yet confirmed paid. */
  readonly unpaidOrderedFen: number;
  /** paid − repaid: public money that stayed with the enterprises. */
  readonly netPaidFen: number;
  /** clawback ordered − repaid − written off: still owed back to the treasury. */
  readonly outstandingFen: number;
}

const KIND_FIELD = {
  awarded: 'awardedFen',
  ordered: 'orderedFen',
  /** A cancelled release order reverses its `ordered` entry (红字冲销): counted negative in orderedFen, in the month of the cancellation. */
  'order-cancelled': 'orderedFen',
  paid: 'paidFen',
  'clawback-ordered': 'clawbackOrderedFen',
  repaid: 'repaidFen',
  'written-off': 'writtenOffFen',
} as const;

type Sums = { -readonly [K in (typeof KIND_FIELD)[keyof typeof KIND_FIELD]]: bigint };

const zero = (): Sums => ({ awardedFen: 0n, orderedFen: 0n, paidFen: 0n, clawbackOrderedFen: 0n, repaidFen: 0n, writtenOffFen: 0n });

function figures(s: Sums): LedgerFigures {
  const n = (v: bigint) => {
    const value = Number(v);
    if (!Number.isSafeInteger(value)) throw new Error(`ledger amount ${v} exceeds the safe integer range`);
    return value;
  };
  return {
    awardedFen: n(s.awardedFen),
    orderedFen: n(s.orderedFen),
    paidFen: n(s.paidFen),
    clawbackOrderedFen: n(s.clawbackOrderedFen),
    repaidFen: n(s.repaidFen),
    writtenOffFen: n(s.writtenOffFen),
    unpaidOrderedFen: n(s.orderedFen - s.paidFen),
    netPaidFen: n(s.paidFen - s.repaidFen),
    outstandingFen: n(s.clawbackOrderedFen - s.repaidFen - s.writtenOffFen),
  };
}

function monthly(byMonth: Map<string, Sums>) {
  return [...byMonth.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, sums]) => ({ month, ...figures(sums) }));
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function parseMonth(name: string, value: unknown): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || !MONTH.test(value)) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'QUERY_INVALID', { zh: `${name} 须为月份 YYYY-MM`, en: `${name} must be a month YYYY-MM` }, {
      errors: [{ field: name, code: 'MONTH_FORMAT', zh: '须为月份 YYYY-MM', en: 'must be a month YYYY-MM' }],
    });
  }
  return value;
}

export interface LedgerQuery {
  readonly programmeId: string;
  readonly from: string | null;
  readonly to: string | null;
}

@Injectable()
export class LedgerQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Per programme, per month and per grant, over the entries whose entry month is within
   * [from, to] (both inclusive, either open). One SQL pass with grouping sets; sums in fen. The
   * sums and the list of grants are read in one REPEATABLE READ snapshot, so the grants listed and
   * the totals always describe the same ledger, however the projection is writing meanwhile.
   */
  async programmeLedger(query: LedgerQuery) {
    const { rows, grantsInfo } = await inSnapshot(this.pool, async (client) => {
      const sums = await client.query<{ grant_id: string | null; month: string | null; kind: string; total: string }>(
        `with g as (select grant_id from rm_finance_ledger where kind = 'awarded' and programme_id = $1)
         select e.grant_id, e.month, e.kind, sum(e.amount_fen)::text as total
           from rm_finance_ledger e join g on g.grant_id = e.grant_id
          where ($2::text is null or e.month >= $2) and ($3::text is null or e.month <= $3)
          group by grouping sets ((e.grant_id, e.month, e.kind), (e.grant_id, e.kind), (e.month, e.kind), (e.kind))`,
        [query.programmeId, query.from, query.to],
      );
      const grants = await client.query<{ grant_id: string; credit_code: string; enterprise_name: string; entry_date: string }>(
        `select grant_id, credit_code, enterprise_name, entry_date from rm_finance_ledger where kind = 'awarded' and programme_id = $1 order by global_position`,
        [query.programmeId],
      );
      return { rows: sums.rows, grantsInfo: grants };
    });
    const total = zero();
    const byMonth = new Map<string, Sums>();
    const byGrant = new Map<string, Sums>(grantsInfo.rows.map((g) => [g.grant_id, zero()]));
    const byGrantMonth = new Map<string, Map<string, Sums>>();
    for (const row of rows) {
      const field = KIND_FIELD[row.kind as keyof typeof KIND_FIELD];
      if (!field) continue;
      const amount = row.kind === 'order-cancelled' ? -BigInt(row.total) : BigInt(row.total);
      if (row.grant_id !== null && row.month !== null) {
        const months = byGrantMonth.get(row.grant_id) ?? new Map<string, Sums>();
        const sums = months.get(row.month) ?? zero();
        sums[field] += amount;
        months.set(row.month, sums);
        byGrantMonth.set(row.grant_id, months);
      } else if (row.grant_id !== null) {
        const sums = byGrant.get(row.grant_id) ?? zero();
        sums[field] += amount;
        byGrant.set(row.grant_id, sums);
      } else if (row.month !== null) {
        const sums = byMonth.get(row.month) ?? zero();
        sums[field] += amount;
        byMonth.set(row.month, sums);
      } else {
        total[field] += amount;
      }
    }
    return {
      programmeId: query.programmeId,
      period: 'month' as const,
      from: query.from,
      to: query.to,
      currency: 'CNY',
      totals: figures(total),
      months: monthly(byMonth),
      grants: grantsInfo.rows.map((g) => ({
        grantId: g.grant_id,
        creditCode: g.credit_code,
        enterpriseName: g.enterprise_name,
        awardedOn: g.entry_date,
        ...figures(byGrant.get(g.grant_id) ?? zero()),
        months: monthly(byGrantMonth.get(g.grant_id) ?? new Map()),
      })),
    };
  }
}
