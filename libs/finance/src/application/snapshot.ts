import { Pool, PoolClient } from 'pg';
import { inTransaction } from '@ipstd/platform';

/**
 * Runs `read` in one REPEATABLE READ, READ ONLY transaction: every query sees the same snapshot of
 * the read models, so figures read by separate queries (lists and totals) always agree.
 */
export function inSnapshot<T>(pool: Pool, read: (client: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, read, 'begin isolation level repeatable read read only');
}
