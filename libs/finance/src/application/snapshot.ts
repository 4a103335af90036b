import { Pool, PoolClient } from 'pg';

/**
 * Runs `read` in one REPEATABLE READ, READ ONLY transaction: every query sees the same snapshot of
 * the read models, so figures read by separate queries (lists and totals) always agree.
 */
export async function inSnapshot<T>(pool: Pool, read: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const result = await read(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
