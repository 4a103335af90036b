import { Pool, PoolClient } from 'pg';

/**
 * Runs `work` on one connection inside a transaction opened with `begin` (e.g. `begin isolation level
 * repeatable read read only` for a consistent snapshot), committing on success and rolling back on
 * any error.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin = 'begin'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
