import type { RecordedEvent } from '@ipstd/event-store';
import type { AppendProjection, Row } from '@ipstd/platform';
import { cityOf, readEvent } from '@ipstd/platform';
import { STATEMENT_EVENTS } from '../domain/events';
import { payeeNameKey } from '../domain/statement-csv';

/** Imported statements: one row per completed import (StatementImported). */
export const statementsProjection: AppendProjection = {
  kind: 'append',
  name: 'finance-statements',
  version: 1,
  table: {
    name: 'rm_finance_statements',
    columns: {
      statement_id: 'text',
      city: 'text',
      file_sha256: 'text',
      content_sha256: 'text',
      file_name: 'text',
      row_count: 'int',
      debit_count: 'int',
      debit_total_fen: 'bigint',
      credit_count: 'int',
      credit_total_fen: 'bigint',
      period_from: 'text',
      period_to: 'text',
      imported_at: 'timestamptz',
      imported_by: 'text',
      global_position: 'bigint',
    },
    primaryKey: ['statement_id'],
    indexes: [['city', 'file_sha256']],
  },
  handles: ['StatementImported'],
  rowsFor(recorded: RecordedEvent): Row[] {
    const event = readEvent(STATEMENT_EVENTS, recorded);
    if (event.type !== 'StatementImported') return [];
    const d = event.data;
    return [
      {
        statement_id: d.statementId,
        city: cityOf(event),
        file_sha256: d.fileSha256,
        content_sha256: d.contentSha256,
        file_name: d.fileName,
        row_count: d.rowCount,
        debit_count: d.debit.count,
        debit_total_fen: String(d.debit.totalFen),
        credit_count: d.credit.count,
        credit_total_fen: String(d.credit.totalFen),
        period_from: d.period.from,
        period_to: d.period.to,
        imported_at: d.importedAt,
        imported_by: recorded.metadata.actor.userId,
        global_position: recorded.globalPosition.toString(),
      },
    ];
  },
};

/**
 * The rows of every statement, for reconciliation by SQL joins. Rows of an import that never
 * completed have no rm_finance_statements row and are never read.
 */
export const statementRowsProjection: AppendProjection = {
  kind: 'append',
  name: 'finance-statement-rows',
  version: 1,
  table: {
    name: 'rm_finance_statement_rows',
    columns: {
      statement_id: 'text',
      line_no: 'int',
      reference: 'text',
      payee_credit_code: 'text',
      payee_name: 'text',
      /** payeeNameKey(payee_name), compared with the ledger's enterprise_name_key. */
      payee_name_key: 'text',
      amount_fen: 'bigint',
      value_date: 'text',
      direction: 'text',
    },
    primaryKey: ['statement_id', 'line_no'],
    indexes: [['reference', 'direction'], ['payee_credit_code']],
  },
  handles: ['StatementRowsRecorded'],
  rowsFor(recorded: RecordedEvent): Row[] {
    const event = readEvent(STATEMENT_EVENTS, recorded);
    if (event.type !== 'StatementRowsRecorded') return [];
    return event.data.rows.map((r) => ({
      statement_id: event.data.statementId,
      line_no: r.line,
      reference: r.reference,
      payee_credit_code: r.payeeCreditCode,
      payee_name: r.payeeName,
      payee_name_key: r.payeeName === null ? null : payeeNameKey(r.payeeName),
      amount_fen: String(r.amountFen),
      value_date: r.valueDate,
      direction: r.direction,
    }));
  },
};
