import { DomainEvent, EventRegistry } from '@ipstd/kernel';
import { StatementRow } from './statement-csv';

/** One statement row as stored in the log (line number kept so problems and reports can cite it). */
export type RecordedStatementRow = StatementRow;

/** At most this many rows per StatementRowsRecorded event. */
export const STATEMENT_CHUNK_ROWS = 1000;

/**
 * Stream `statement-<statementId>`: the rows first, in file order, in chunks of ≤ 1000
 * (`StatementRowsRecorded`, revisions 0..n-1), then `StatementImported` last. The import is complete
 * only once StatementImported is in the stream; chunks without it (a crash mid-import) are ignored
 * by every reader (docs/finance.md).
 */
export type StatementEvent =
  | DomainEvent<'StatementRowsRecorded', { statementId: string; chunkNo: number; rows: RecordedStatementRow[] }>
  | DomainEvent<
      'StatementImported',
      {
        statementId: string;
        /** The finance bureau's city (GB/T 2260) the statement belongs to. */
        city: string;
        fileSha256: string;
        fileBytes: number;
        fileName: string | null;
        rowCount: number;
        chunkCount: number;
        debit: { count: number; totalFen: number };
        credit: { count: number; totalFen: number };
        /** The statement period: first day of the earliest value date's month to last day of the latest's. */
        period: { from: string; to: string };
        importedAt: string;
      }
    >;

export const STATEMENT_EVENTS: EventRegistry<StatementEvent> = {
  StatementRowsRecorded: { version: 1 },
  StatementImported: { version: 1 },
};

export const statementStreamId = (statementId: string) => `statement-${statementId}`;

/** `2024-12-17`, `2025-02-03` → `2024-12-01` … `2025-02-28`. */
export function statementPeriod(firstValueDate: string, lastValueDate: string): { from: string; to: string } {
  const [y, m] = lastValueDate.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${firstValueDate.slice(0, 7)}-01`, to: `${lastValueDate.slice(0, 7)}-${String(lastDay).padStart(2, '0')}` };
}
