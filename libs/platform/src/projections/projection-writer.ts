import { PoolClient } from 'pg';
import { RecordedEvent } from '@ipstd/event-store';
import { Projection, Row } from './projection';

/** Applies events to one projection's table inside the caller's transaction. */
export async function applyEvents(client: PoolClient, projection: Projection, events: readonly RecordedEvent[], tableName = projection.table.name): Promise<void> {
  const handled = events.filter((e) => projection.handles.includes(e.type));
  if (handled.length === 0) return;
  const columns = Object.keys(projection.table.columns);
  if (projection.kind === 'append') {
    const rows = handled.flatMap((e) => projection.rowsFor(e));
    for (let i = 0; i < rows.length; i += 500) await insertRows(client, tableName, columns, rows.slice(i, i + 500));
    return;
  }
  // Every row the batch touches is read with one query, evolved in memory, and written back with one
  // delete and one insert: three round trips per projection and batch, whatever the batch holds.
  const keyColumns = projection.table.primaryKey;
  const rowsByKey = new Map<string, Row | null>();
  const keys: Array<readonly unknown[]> = [];
  const keyOf = (values: readonly unknown[]) => JSON.stringify(values.map((v) => String(v)));
  const touched: Array<{ key: string; event: RecordedEvent }> = [];
  for (const event of handled) {
    const key = projection.keyOf(event);
    if (!key) continue;
    const id = keyOf(key);
    if (!rowsByKey.has(id)) {
      rowsByKey.set(id, null);
      keys.push(key);
    }
    touched.push({ key: id, event });
  }
  if (keys.length === 0) return;
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const { sql, params } = keyList(keyColumns, chunk);
    const { rows } = await client.query(`select * from ${tableName} where (${keyColumns.join(', ')}) in (${sql})`, params);
    for (const row of rows) rowsByKey.set(keyOf(keyColumns.map((c) => (row as Row)[c])), normaliseRow(row, projection));
  }
  for (const { key, event } of touched) rowsByKey.set(key, projection.evolve(rowsByKey.get(key) ?? null, event));
  for (let i = 0; i < keys.length; i += 500) {
    const { sql, params } = keyList(keyColumns, keys.slice(i, i + 500));
    await client.query(`delete from ${tableName} where (${keyColumns.join(', ')}) in (${sql})`, params);
  }
  const rows = [...rowsByKey.values()].filter((row): row is Row => row !== null);
  for (let i = 0; i < rows.length; i += 500) await insertRows(client, tableName, columns, rows.slice(i, i + 500));
}

/** `($1, $2), ($3, $4), …` for a list of keys, with their parameters. */
function keyList(keyColumns: readonly string[], keys: ReadonlyArray<readonly unknown[]>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = keys.map((key) => `(${keyColumns.map((_, i) => `$${params.push(key[i])}`).join(', ')})`);
  return { sql: tuples.join(', '), params };
}

async function insertRows(client: PoolClient, table: string, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((c) => {
    const value = row[c];
    params.push(value === undefined ? null : typeof value === 'object' && value !== null && !(value instanceof Date) ? JSON.stringify(value) : typeof value === 'bigint' ? value.toString() : value);
    return `$${params.length}`;
  }).join(', ')})`);
  await client.query(`insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`, params);
}

/** Rows read back from PostgreSQL in the shape evolve produced them (bigint and timestamps as strings). */
function normaliseRow(row: Row, projection: Projection): Row {
  const out: Row = {};
  for (const [column, type] of Object.entries(projection.table.columns)) {
    const value = row[column];
    out[column] = value instanceof Date ? value.toISOString() : type === 'int' && typeof value === 'string' ? Number(value) : value;
  }
  return out;
}
