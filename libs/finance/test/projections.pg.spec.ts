import { FINANCE_PROJECTIONS, payeeNameKey } from '@ipstd/finance';
import { Projection } from '@ipstd/platform';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres';
import { Given, ProjectionTable, fixture, recordedStream } from '../../../test/support/projection-tables';

/**
 * Finance projection specs on PostgreSQL: given grant and statement events (the stored event fixtures,
 * old versions included), the ledger and statement rows the projection writer leaves.
 */
const projection = (name: string): Projection => {
  const found = FINANCE_PROJECTIONS.find((p) => p.name === name);
  if (!found) throw new Error(`no projection ${name}`);
  return found;
};

const GRANT = 'deb12acb-2760-5295-abfa-9de8833ee26e';
const CLAWBACK = '019f8266-c100-7028-aecf-6466cf442b21';
const G = (type: string, patch: Record<string, unknown> = {}) => fixture(`GRANT_EVENTS/${type}.v1.json`, patch);
const finance = { userId: 'finance-320500', role: 'finance', organisation: '320500' };

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('proj');
});
afterAll(async () => {
  await db.drop();
});

async function rowsOf(name: string, streamId: string, given: readonly Given[]) {
  const table = await ProjectionTable.create(projection(name), db);
  await table.clear();
  await table.given(recordedStream(streamId, given, 101));
  return table.rows();
}

describe('finance ledger projection (rm_finance_ledger)', () => {
  it('adds one row per money event of a grant, in exact fen, dated by value date or the Shanghai day', async () => {
    const rows = await rowsOf('finance-ledger', `grant-${GRANT}`, [
      G('GrantAwarded'),
      G('AgreementSigned'),
      G('TrancheReleaseOrdered'),
      G('TranchePaid'),
      G('TranchePaidInFull'),
      G('TrancheReleaseCancelled', { grantId: GRANT, trancheNo: 2, orderNo: 'SZ-F2', amountFen: 15_000_000, cancelledAt: '2025-03-31T17:00:00.000Z' }),
      G('ClawbackOrdered'),
      G('RepaymentRecorded'),
      G('ClawbackWrittenOff', { amountFen: 10_000_000 }),
    ]);
    const common = { grant_id: GRANT, programme_id: null, city: null, credit_code: null, enterprise_name: null, enterprise_name_key: null };
    expect(rows.map(({ event_id: _e, recorded_at: _r, ...row }) => row)).toEqual([
      {
        ...common, global_position: '101', kind: 'awarded', amount_fen: '30000000', entry_date: '2024-10-09', month: '2024-10', reference: null, tranche_no: null, clawback_id: null,
        programme_id: '9646b5aa-716d-590a-a509-02b0b2436818', city: '320500', credit_code: '91320507MA0000102X', enterprise_name: '苏州某某光电科技有限公司', enterprise_name_key: payeeNameKey('苏州某某光电科技有限公司'),
      },
      { ...common, global_position: '103', kind: 'ordered', amount_fen: '15000000', entry_date: '2024-10-09', month: '2024-10', reference: 'SZ-F1', tranche_no: 1, clawback_id: null },
      { ...common, global_position: '104', kind: 'paid', amount_fen: '15000000', entry_date: '2024-09-13', month: '2024-09', reference: 'TRE-F1', tranche_no: 1, clawback_id: null },
      // 2025-03-31T17:00Z is 2025-04-01 01:00 in Shanghai: the entry is dated by the Shanghai calendar day.
      { ...common, global_position: '106', kind: 'order-cancelled', amount_fen: '15000000', entry_date: '2025-04-01', month: '2025-04', reference: 'SZ-F2', tranche_no: 2, clawback_id: null },
      { ...common, global_position: '107', kind: 'clawback-ordered', amount_fen: '15000000', entry_date: '2025-11-13', month: '2025-11', reference: null, tranche_no: null, clawback_id: CLAWBACK },
      { ...common, global_position: '108', kind: 'repaid', amount_fen: '5000000', entry_date: '2024-09-23', month: '2024-09', reference: 'BANK-1', tranche_no: null, clawback_id: CLAWBACK },
      { ...common, global_position: '109', kind: 'written-off', amount_fen: '10000000', entry_date: '2026-06-01', month: '2026-06', reference: null, tranche_no: null, clawback_id: CLAWBACK },
    ]);
  });
});

describe('finance statements projections (rm_finance_statements, rm_finance_statement_rows)', () => {
  it('keeps the header of an import, v2 with its content hash and v1 without', async () => {
    const v2 = await rowsOf('finance-statements', 'statement-95853d7b-3f49-538c-9ae1-a1c0d01c4a54', [
      { ...fixture('STATEMENT_EVENTS/StatementRowsRecorded.v2.json'), actor: finance },
      { ...fixture('STATEMENT_EVENTS/StatementImported.v2.json'), actor: finance },
    ]);
    expect(v2).toEqual([
      {
        statement_id: '95853d7b-3f49-538c-9ae1-a1c0d01c4a54',
        city: '320500',
        file_sha256: '07add51ea1fb220f3b3695e060f0eb715a0651300ce2e9e4899cf16b816663c3',
        content_sha256: '7aa5834698e68c1b990ba93836f04f65179f15f5060f26b39cbe021428e004a2',
        file_name: null,
        row_count: 3,
        debit_count: 2,
        debit_total_fen: '1234567909',
        credit_count: 1,
        credit_total_fen: '1',
        period_from: '2024-11-01',
        period_to: '2024-11-30',
        imported_at: '2025-06-30T02:00:00.000Z',
        imported_by: 'finance-320500',
        global_position: '102',
      },
    ]);
    const v1 = await rowsOf('finance-statements', 'statement-0197be90-0900-710e-a470-40e75e956ead', [fixture('STATEMENT_EVENTS/StatementRowsRecorded.v1.json'), fixture('STATEMENT_EVENTS/StatementImported.v1.json')]);
    expect(v1).toEqual([expect.objectContaining({ statement_id: '0197be90-0900-710e-a470-40e75e956ead', content_sha256: null, row_count: 1, debit_total_fen: '300', credit_total_fen: '0' })]);
  });

  it('keeps every row of a statement, with the payee name key where the row names a payee (v2) and none for v1 rows', async () => {
    const named = fixture('STATEMENT_EVENTS/StatementRowsRecorded.v2.json');
    const rows = (named.data as { rows: Array<Record<string, unknown>> }).rows;
    const withName = { ...named, data: { ...(named.data as object), rows: [{ ...rows[0], payeeName: '苏州某某光电科技有限公司（公司）' }, ...rows.slice(1)] } };
    const v2 = await rowsOf('finance-statement-rows', 'statement-95853d7b-3f49-538c-9ae1-a1c0d01c4a54', [withName]);
    expect(v2).toEqual([
      { statement_id: '95853d7b-3f49-538c-9ae1-a1c0d01c4a54', line_no: 2, reference: 'EXACT-1', payee_credit_code: '91320505MA1MXXXXX0', payee_name: '苏州某某光电科技有限公司（公司）', payee_name_key: payeeNameKey('苏州某某光电科技有限公司（公司）'), amount_fen: '10', value_date: '2024-11-01', direction: 'debit' },
      { statement_id: '95853d7b-3f49-538c-9ae1-a1c0d01c4a54', line_no: 3, reference: 'EXACT-2', payee_credit_code: '91320505MA1MXXXXX0', payee_name: null, payee_name_key: null, amount_fen: '1234567899', value_date: '2024-11-02', direction: 'debit' },
      { statement_id: '95853d7b-3f49-538c-9ae1-a1c0d01c4a54', line_no: 4, reference: 'EXACT-3', payee_credit_code: '91320505MA1MXXXXX0', payee_name: null, payee_name_key: null, amount_fen: '1', value_date: '2024-11-03', direction: 'credit' },
    ]);
    expect(v2[0].payee_name_key).not.toBe(v2[0].payee_name);
    const v1 = await rowsOf('finance-statement-rows', 'statement-0197be90-0900-710e-a470-40e75e956ead', [fixture('STATEMENT_EVENTS/StatementRowsRecorded.v1.json')]);
    expect(v1).toEqual([{ statement_id: '0197be90-0900-710e-a470-40e75e956ead', line_no: 2, reference: 'LEGACY-1', payee_credit_code: '91320505MA1MXXXXX0', payee_name: null, payee_name_key: null, amount_fen: '300', value_date: '2025-03-03', direction: 'debit' }]);
  });
});
