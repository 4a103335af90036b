import { RecordedEvent } from '@ipstd/event-store';

export type ColumnType = 'text' | 'bigint' | 'int' | 'timestamptz' | 'jsonb' | 'boolean';
export type Row = Record<string, unknown>;

export interface TableSpec {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnType>>;
  readonly primaryKey: readonly string[];
  /** Extra indexes, each a list of columns. */
  readonly indexes?: ReadonlyArray<readonly string[]>;
}

/**
 * What every projection declares. `version` (an integer from 1) names the rows its code produces from
 * a given log: bump it whenever `evolve`/`rowsFor` would turn the same events into other rows (a fixed
 * text, a new rule, a column filled differently). It is stored with the projection's checkpoint, and a
 * process that starts with another version rebuilds the table from the log (ADR 0004).
 */
export interface ProjectionBase {
  /** Its checkpoint's name; unique in the process. */
  readonly name: string;
  readonly version: number;
  readonly table: TableSpec;
  readonly handles: readonly string[];
}

/** A read model whose rows are keyed: `evolve(row, event)` returns the new row, or null to delete it. */
export interface KeyedProjection extends ProjectionBase {
  readonly kind: 'keyed';
  /** Primary key values of the row an event touches, in primary-key column order. */
  keyOf(event: RecordedEvent): readonly unknown[] | null;
  evolve(row: Row | null, event: RecordedEvent): Row | null;
}

/** A read model that only ever adds rows, one set per event (timelines, ledgers). */
export interface AppendProjection extends ProjectionBase {
  readonly kind: 'append';
  rowsFor(event: RecordedEvent): readonly Row[];
}

/** A projection is pure: the runner does all reading and writing. */
export type Projection = KeyedProjection | AppendProjection;

export function createTableSql(table: TableSpec, name = table.name): string {
  const columns = Object.entries(table.columns).map(([column, type]) => `${column} ${type}`);
  const statements = [`create table if not exists ${name} (${columns.join(', ')}, primary key (${table.primaryKey.join(', ')}))`];
  (table.indexes ?? []).forEach((index, i) => statements.push(`create index if not exists ${name}_ix${i} on ${name} (${index.join(', ')})`));
  return statements.join(';\n');
}
