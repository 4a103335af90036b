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
  const keyColumns = projection.table.primaryKey;
  const cache = new Map<string, Row | null>();
  for (const event of handled) {
    const key = projection.keyOf(event);
    if (!key) continue;
    const cacheKey = JSON.stringify(key);
    let row = cache.get(cacheKey);
    if (row === undefined) {
      const where = keyColumns.map((c, i) => `${c} = $${i + 1}`).join(' and ');
      const { rows } = await client.query(`select * from ${tableName} where ${where}`, [...key]);
      row = rows[0] ? normaliseRow(rows[0], projection) : null;
    }
    cache.set(cacheKey, projection.evolve(row, event));
  }
  for (const [cacheKey, row] of cache) {
    const key = JSON.parse(cacheKey) as unknown[];
    const where = keyColumns.map((c, i) => `${c} = $${i + 1}`).join(' and ');
    await client.query(`delete from ${tableName} where ${where}`, key);
    if (row) await insertRows(client, tableName, columns, [row]);
  }
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
