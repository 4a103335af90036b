import { DomainEvent, EventRegistry } from '@ipstd/kernel';
import { StatementRow } from './statement-csv';

/**
 * One statement row as stored in the log (line number kept so problems and reports can cite it).
 * Schema v2 of StatementRowsRecorded added `payeeName` (null when the file had no payee_name column);
 * v1 rows are read back with `payeeName: null`.
 */
export type RecordedStatementRow = StatementRow;

/** At most this many rows per StatementRowsRecorded event. */
export const STATEMENT_CHUNK_ROWS = 1000;

/**
 * Stream `statement-<statementId>`: the rows first, in file order, in chunks of ≤ 1000
 * (`StatementRowsRecorded`, revisions 0..n-1), then `StatementImported` last. The import is complete
 * only once StatementImported is in the stream; chunks without it (a crash mid-import) are ignored
 * by every reader (docs/finance.md). The stream id is derived from the city and the content
 * (statementIdFor), so the same content is imported once: every upload of it writes the same events
 * at the same revisions, and whoever appends first wins.
 */
export type StatementEvent =
  | DomainEvent<'StatementRowsRecorded', { statementId: string; chunkNo: number; rows: RecordedStatementRow[] }>
  | DomainEvent<
      'StatementImported',
      {
        statementId: string;
        /** The finance bureau's city (GB/T 2260) the statement belongs to. */
        city: string;
        /** SHA-256 (hex) of the uploaded bytes, as received. */
        fileSha256: string;
        /**
         * SHA-256 (hex) of the normalised content (canonicalRowText of every row, LF-joined): the
         * statement id is statementIdFor(city, contentSha256). Null for statements imported before
         * schema v2 (their ids were random).
         */
        contentSha256: string | null;
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
  /** v2: each row carries `payeeName` (v1 rows: null). */
  StatementRowsRecorded: {
    version: 2,
    upcast: (data) => {
      const d = data as { rows: Array<Record<string, unknown>> };
      return { ...d, rows: d.rows.map((row) => ({ ...row, payeeName: row.payeeName ?? null })) };
    },
  },
  /** v2: `contentSha256`, the hash the statement id derives from (v1: null, the id was random). */
  StatementImported: {
    version: 2,
    upcast: (data) => ({ ...(data as Record<string, unknown>), contentSha256: (data as { contentSha256?: string | null }).contentSha256 ?? null }),
  },
};

export const statementStreamId = (statementId: string) => `statement-${statementId}`;

/** `2024-12-17`, `2025-02-03` → `2024-12-01` … `2025-02-28`. */
export function statementPeriod(firstValueDate: string, lastValueDate: string): { from: string; to: string } {
  const [y, m] = lastValueDate.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${firstValueDate.slice(0, 7)}-01`, to: `${lastValueDate.slice(0, 7)}-${String(lastDay).padStart(2, '0')}` };
}
