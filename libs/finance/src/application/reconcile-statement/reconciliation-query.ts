import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { PG_POOL, ProblemException, cityOf, readEventOf } from '@ipstd/platform';
import { STATEMENT_EVENTS, statementStreamId } from '../../domain';
import { inSnapshot } from '../snapshot';

/** Categories of statement rows; every row is in exactly one (docs/finance.md §Reconciliation). */
export const ROW_CATEGORIES = [
  'matched',
  'amount-mismatch',
  'payee-mismatch',
  'duplicate-payment',
  'payment-without-release-order',
  'unmatched-payment',
  'unmatched-repayment',
] as const;
/** Seconds a client is asked to wait (Retry-After) while the read models catch up with a statement. */
export const RECONCILIATION_RETRY_AFTER_SECONDS = 1;
/** The read models a reconciliation reads; each must have passed the statement's StatementImported. */
const RECONCILIATION_PROJECTIONS = ['finance-statements', 'finance-statement-rows', 'finance-ledger'];
/** The ledger-side category: release orders of the period that the statement does not show paid. */
export const ORDERED_BUT_UNPAID = 'ordered-but-unpaid';
export const CATEGORIES = [...ROW_CATEGORIES, ORDERED_BUT_UNPAID] as const;
export type Category = (typeof CATEGORIES)[number];

export interface StatementHeader {
  readonly statementId: string;
  readonly city: string;
  readonly fileSha256: string;
  readonly fileName: string | null;
  readonly rowCount: number;
  readonly debit: { count: number; totalFen: number };
  readonly credit: { count: number; totalFen: number };
  readonly period: { from: string; to: string };
  readonly importedAt: string;
  readonly importedBy: string;
  readonly globalPosition: string;
}

/*
 * $1 statement id, $2 city, $3 the statement's global position. Only the city's grants take part.
 * Every CTE is a set operation (hash joins, window functions), so a 100,000-row statement is
 * classified inside PostgreSQL without being brought into memory here.
 */
const BASE = `
g as (select grant_id, credit_code, enterprise_name, enterprise_name_key from rm_finance_ledger where kind = 'awarded' and city = $2),
money as (
  select e.kind, e.reference, e.amount_fen, e.grant_id, e.tranche_no, e.clawback_id, e.global_position,
         g.credit_code, g.enterprise_name, g.enterprise_name_key
    from rm_finance_ledger e join g on g.grant_id = e.grant_id
   where e.kind in ('paid', 'repaid')),
paid as (select grant_id, tranche_no, reference, amount_fen, global_position from money where kind = 'paid'),
paid_by_tranche as (
  select grant_id, tranche_no, sum(amount_fen) as paid_fen,
         (array_agg(reference order by global_position desc))[1] as last_reference,
         (array_agg(amount_fen order by global_position desc))[1] as last_fen
    from paid group by grant_id, tranche_no),
cancelled as (
  select c.grant_id, c.tranche_no, c.global_position
    from rm_finance_ledger c join g on g.grant_id = c.grant_id
   where c.kind = 'order-cancelled'),
ordered as (
  select e.grant_id, e.tranche_no, e.amount_fen, e.entry_date, e.reference as order_no, g.credit_code
    from rm_finance_ledger e join g on g.grant_id = e.grant_id
   where e.kind = 'ordered'
     and not exists (select 1 from cancelled c where c.grant_id = e.grant_id and c.tranche_no = e.tranche_no and c.global_position > e.global_position)),
unpaid_payees as (
  select distinct o.credit_code from ordered o
    left join paid_by_tranche p on p.grant_id = o.grant_id and p.tranche_no = o.tranche_no
   where coalesce(p.paid_fen, 0) < o.amount_fen),
r as (
  select sr.line_no, sr.reference, sr.payee_credit_code, sr.payee_name, sr.payee_name_key, sr.amount_fen, sr.value_date, sr.direction,
         case sr.direction when 'debit' then 'paid' else 'repaid' end as ledger_kind,
         min(sr.line_no) over (partition by sr.direction, sr.reference) as first_line
    from rm_finance_statement_rows sr where sr.statement_id = $1),
lm as (
  select distinct on (r.line_no) r.line_no, m.amount_fen as ledger_amount_fen, m.grant_id, m.tranche_no, m.clawback_id,
         m.credit_code as expected_credit_code, m.enterprise_name as expected_name,
         (m.credit_code = r.payee_credit_code) as credit_code_ok,
         (r.payee_name_key is null or r.payee_name_key = m.enterprise_name_key) as name_ok
    from r join money m on m.kind = r.ledger_kind and m.reference = r.reference
   order by r.line_no,
            (m.credit_code = r.payee_credit_code and (r.payee_name_key is null or r.payee_name_key = m.enterprise_name_key)) desc,
            (m.amount_fen = r.amount_fen) desc, m.global_position),
prior as (
  select distinct on (o.direction, o.reference) o.direction, o.reference, o.statement_id, o.line_no
    from rm_finance_statement_rows o
    join rm_finance_statements os on os.statement_id = o.statement_id
    join money m on m.kind = case o.direction when 'debit' then 'paid' else 'repaid' end
                and m.reference = o.reference and m.amount_fen = o.amount_fen
                and m.credit_code = o.payee_credit_code
                and (o.payee_name_key is null or o.payee_name_key = m.enterprise_name_key)
   where os.city = $2 and os.global_position < $3 and o.statement_id <> $1
     and o.reference in (select reference from r)
   order by o.direction, o.reference, os.global_position, o.line_no),
classified as (
  select r.line_no, r.reference, r.payee_credit_code, r.payee_name, r.amount_fen, r.value_date, r.direction, r.first_line,
         lm.ledger_amount_fen, lm.grant_id, lm.tranche_no, lm.clawback_id,
         lm.expected_credit_code, lm.expected_name, lm.credit_code_ok, lm.name_ok,
         prior.statement_id as prior_statement_id, prior.line_no as prior_line_no,
         case
           when r.line_no > r.first_line or prior.statement_id is not null then 'duplicate-payment'
           when lm.line_no is not null and not (lm.credit_code_ok and lm.name_ok) then 'payee-mismatch'
           when lm.line_no is not null and lm.ledger_amount_fen = r.amount_fen then 'matched'
           when lm.line_no is not null then 'amount-mismatch'
           when r.direction = 'credit' then 'unmatched-repayment'
           when up.credit_code is not null then 'unmatched-payment'
           else 'payment-without-release-order'
         end as category
    from r
    left join lm on lm.line_no = r.line_no
    left join prior on prior.direction = r.direction and prior.reference = r.reference
    left join unpaid_payees up on up.credit_code = r.payee_credit_code),
obu as (
  select o.grant_id, o.tranche_no, o.amount_fen, o.entry_date as ordered_on, o.order_no, o.credit_code,
         p.last_reference as paid_reference, p.last_fen as paid_fen
    from ordered o
    left join paid_by_tranche p on p.grant_id = o.grant_id and p.tranche_no = o.tranche_no
   where o.entry_date between $4 and $5
     and not (p.grant_id is not null and exists (
       select 1 from paid x join r on r.direction = 'debit' and r.reference = x.reference
        where x.grant_id = o.grant_id and x.tranche_no = o.tranche_no))
     and not (p.grant_id is null and exists (select 1 from r where r.direction = 'debit' and r.payee_credit_code = o.credit_code and r.amount_fen = o.amount_fen)))`;

interface ClassifiedRow {
  line_no: number;
  reference: string;
  payee_credit_code: string;
  payee_name: string | null;
  amount_fen: string;
  value_date: string;
  direction: 'debit' | 'credit';
  first_line: number;
  ledger_amount_fen: string | null;
  grant_id: string | null;
  tranche_no: number | null;
  clawback_id: string | null;
  expected_credit_code: string | null;
  expected_name: string | null;
  credit_code_ok: boolean | null;
  name_ok: boolean | null;
  prior_statement_id: string | null;
  prior_line_no: number | null;
  category: Category;
}

interface ObuRow {
  grant_id: string;
  tranche_no: number;
  amount_fen: string;
  ordered_on: string;
  order_no: string;
  credit_code: string;
  paid_reference: string | null;
  paid_fen: string | null;
}

export interface ReconciliationPage {
  readonly category: Category | null;
  readonly limit: number;
  readonly after: string | null;
}

const num = (v: string | number | null): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${v} exceeds the safe integer range`);
  return n;
};

@Injectable()
export class ReconciliationQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /**
   * The statement's header from the read model. A statement whose StatementImported is in the log
   * but not yet projected is 503 RECONCILIATION_NOT_READY (never 404), after `authorise` has seen its
   * city; a statement that does not exist, or whose import never completed, is 404.
   */
  async statement(statementId: string, authorise: (city: string) => void): Promise<StatementHeader> {
    const { rows } = await this.pool
      .query('select * from rm_finance_statements where statement_id = $1', [statementId])
      .catch(() => ({ rows: [] as Record<string, unknown>[] }));
    if (rows.length === 0) {
      const [last] = await this.store.readStream(statementStreamId(statementId), { direction: 'backwards', maxCount: 1 });
      if (last?.type === 'StatementImported') {
        authorise(cityOf(readEventOf(STATEMENT_EVENTS, 'StatementImported', last))!);
        throw notReady();
      }
      throw new ProblemException(HttpStatus.NOT_FOUND, 'STATEMENT_NOT_FOUND', { zh: '对账单不存在（或其导入未完成）', en: 'No such statement (or its import never completed)' });
    }
    const s = rows[0] as Record<string, string | number | Date | null>;
    const header: StatementHeader = {
      statementId: String(s.statement_id),
      city: String(s.city),
      fileSha256: String(s.file_sha256),
      fileName: (s.file_name as string | null) ?? null,
      rowCount: Number(s.row_count),
      debit: { count: Number(s.debit_count), totalFen: num(s.debit_total_fen as string) },
      credit: { count: Number(s.credit_count), totalFen: num(s.credit_total_fen as string) },
      period: { from: String(s.period_from), to: String(s.period_to) },
      importedAt: new Date(s.imported_at as Date).toISOString(),
      importedBy: String(s.imported_by),
      globalPosition: String(s.global_position),
    };
    authorise(header.city);
    return header;
  }

  /** Summary and pages are read in one REPEATABLE READ snapshot, so counts and items always agree. */
  async reconcile(header: StatementHeader, page: ReconciliationPage) {
    return inSnapshot(this.pool, (client) => this.reconcileIn(client, header, page));
  }

  private async reconcileIn(client: PoolClient, header: StatementHeader, page: ReconciliationPage) {
    await requireProjected(client, header);
    const params = [header.statementId, header.city, header.globalPosition, header.period.from, header.period.to];
    const summaryRows = await client.query<{ category: Category; n: number; total: string | null }>(
      `with ${BASE}
       select category, count(*)::int as n, sum(amount_fen)::text as total from classified group by category
       union all
       select '${ORDERED_BUT_UNPAID}', count(*)::int, sum(amount_fen)::text from obu`,
      params,
    );
    const summary = Object.fromEntries(CATEGORIES.map((c) => [c, { count: 0, totalFen: 0 }])) as Record<Category, { count: number; totalFen: number }>;
    for (const row of summaryRows.rows) summary[row.category] = { count: row.n, totalFen: num(row.total ?? '0') };

    const wanted = page.category ? [page.category] : [...CATEGORIES];
    const categories: Record<string, { items: unknown[]; next: string | null }> = {};
    const rowCategories = wanted.filter((c): c is (typeof ROW_CATEGORIES)[number] => c !== ORDERED_BUT_UNPAID);
    if (rowCategories.length > 0) {
      const after = page.category && page.after !== null ? Number(page.after) : 0;
      if (!Number.isSafeInteger(after)) throw badCursor();
      const { rows } = await client.query<ClassifiedRow & { rn: number }>(
        `with ${BASE}
         select * from (
           select c.*, row_number() over (partition by c.category order by c.line_no)::int as rn
             from classified c where c.category = any($6::text[]) and c.line_no > $7) x
          where rn <= $8 order by category, line_no`,
        [...params, rowCategories, after, page.limit + 1],
      );
      for (const category of rowCategories) {
        const items = rows.filter((r) => r.category === category);
        const more = items.length > page.limit;
        const shown = items.slice(0, page.limit);
        categories[category] = { items: shown.map(rowItem), next: more ? String(shown[shown.length - 1].line_no) : null };
      }
    }
    if (wanted.includes(ORDERED_BUT_UNPAID)) {
      let afterGrant = '';
      let afterTranche = 0;
      if (page.category === ORDERED_BUT_UNPAID && page.after !== null) {
        const match = /^([0-9a-f-]{36}):(\d{1,4})$/.exec(page.after);
        if (!match) throw badCursor();
        afterGrant = match[1];
        afterTranche = Number(match[2]);
      }
      const { rows } = await client.query<ObuRow>(
        `with ${BASE}
         select * from obu where (grant_id, tranche_no) > ($6::text, $7::int) order by grant_id, tranche_no limit $8`,
        [...params, afterGrant, afterTranche, page.limit + 1],
      );
      const shown = rows.slice(0, page.limit);
      const last = shown[shown.length - 1];
      categories[ORDERED_BUT_UNPAID] = {
        items: shown.map((o) => ({
          grantId: o.grant_id,
          trancheNo: o.tranche_no,
          orderNo: o.order_no,
          orderedOn: o.ordered_on,
          orderedFen: num(o.amount_fen),
          payeeCreditCode: o.credit_code,
          ledgerPayment: o.paid_reference === null ? null : { reference: o.paid_reference, amountFen: num(o.paid_fen) },
        })),
        next: rows.length > page.limit ? `${last.grant_id}:${last.tranche_no}` : null,
      };
    }
    return { ...header, globalPosition: undefined, summary, categories };
  }

}

/**
 * Rows are appended before StatementImported, so once the rows projection has passed that event
 * every row is in; the ledger must have passed it too, so that every payment recorded before the
 * statement is compared.
 */
async function requireProjected(client: PoolClient, header: StatementHeader): Promise<void> {
  const { rows } = await client.query<{ name: string; position: string }>(`select name, position from subscription_checkpoints where name = any($1)`, [RECONCILIATION_PROJECTIONS]);
  const ready = RECONCILIATION_PROJECTIONS.every((name) => {
    const row = rows.find((r) => r.name === name);
    return row !== undefined && BigInt(row.position) >= BigInt(header.globalPosition);
  });
  if (!ready) throw notReady();
}

function notReady(): ProblemException {
  return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'RECONCILIATION_NOT_READY', {
    zh: '对账单已导入，对账数据仍在处理中，请稍后重试',
    en: 'The statement is imported but its reconciliation data is still being processed; retry shortly',
  }, { retryAfterSeconds: RECONCILIATION_RETRY_AFTER_SECONDS });
}

function rowItem(r: ClassifiedRow) {
  const ledgerAmount = r.ledger_amount_fen === null ? null : num(r.ledger_amount_fen);
  return {
    line: r.line_no,
    reference: r.reference,
    payeeCreditCode: r.payee_credit_code,
    payeeName: r.payee_name,
    amountFen: num(r.amount_fen),
    valueDate: r.value_date,
    direction: r.direction,
    ledger: ledgerAmount === null ? null : { amountFen: ledgerAmount, grantId: r.grant_id, trancheNo: r.tranche_no, clawbackId: r.clawback_id },
    ...((r.category === 'amount-mismatch' || r.category === 'payee-mismatch') && ledgerAmount !== null ? { differenceFen: num(r.amount_fen) - ledgerAmount } : {}),
    ...(r.category === 'payee-mismatch'
      ? {
          expectedPayee: { creditCode: r.expected_credit_code, name: r.expected_name },
          payeeMismatch: [...(r.credit_code_ok ? [] : ['creditCode']), ...(r.name_ok ? [] : ['name'])],
        }
      : {}),
    ...(r.category === 'duplicate-payment'
      ? { duplicateOf: r.line_no > r.first_line ? { statementId: null, line: r.first_line } : { statementId: r.prior_statement_id, line: r.prior_line_no } }
      : {}),
  };
}

function badCursor(): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, 'CURSOR_INVALID', { zh: '分页游标无效', en: 'The page cursor is not valid' });
}
