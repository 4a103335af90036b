import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { sha256Hex } from '@ipstd/kernel';
import { CHECKPOINTS_TABLE, SubscriptionRunner, TransactionalConsumer } from '../subscriptions/subscription-runner';
import { inTransaction } from '../database/transaction';
import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { Projection, createTableSql } from './projection';
import { applyEvents } from './projection-writer';

export interface ProjectionRunnerOptions {
  readonly retryDelayMs?: number;
  readonly log?: Pick<Logger, 'log' | 'error' | 'warn'>;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly position: bigint;
  readonly running: boolean;
  readonly lastError: string | null;
}

/**
 * The shape of a projection's table and what it reads, with its version: a change of any of them
 * rebuilds the table. (The version is also stored on its own, so that a rebuild says which version it
 * replaced; it has been part of this hash since before it was stored, which keeps the definitions of
 * existing checkpoints valid.)
 */
export function definitionOf(projection: Projection): string {
  return sha256Hex(`${projection.kind}|${projection.handles.join(',')}|${createTableSql(projection.table)}|v${projection.version}`);
}

/**
 * Advisory lock (one key) held while a process prepares or rebuilds read models: two processes that
 * start with a new projection version rebuild it once, one after the other finds it rebuilt.
 */
export const PROJECTION_REBUILD_LOCK = 7_320_500_007;

/** What `prepare()` found for one projection. */
export type PreparedAs = 'created' | 'resumed' | 'rebuilt';

/**
 * The read models of a process: creates their tables, rebuilds one whose definition changed, and
 * attaches them to the process's SubscriptionRunner, which applies each batch of the log to all of
 * them in one transaction with their checkpoints (after locking the checkpoint rows and skipping what
 * they already cover), so a crash at any point, a duplicate delivery or a concurrent rebuild all end
 * in the same rows.
 */
export class ProjectionRunner {
  private readonly runner: SubscriptionRunner;
  private attached = false;
  private readonly log: Pick<Logger, 'log' | 'error' | 'warn'>;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.log = options.log ?? new Logger('projections');
    for (const projection of projections) {
      if (!Number.isSafeInteger(projection.version) || projection.version < 1) throw new Error(`projection ${projection.name}: version must be an integer from 1, not ${projection.version}`);
    }
    this.runner = SubscriptionRunner.for(pool, store);
  }

  /**
   * Creates checkpoint and read-model tables, and rebuilds from the log every projection whose stored
   * version differs from its code's, or whose definition (table, handled types) changed, instead of
   * continuing from its checkpoint. Runs under PROJECTION_REBUILD_LOCK.
   */
  async prepare(): Promise<Record<string, PreparedAs>> {
    await this.runner.migrate();
    return this.underRebuildLock(async () => {
      const prepared: Record<string, PreparedAs> = {};
      const stale: Projection[] = [];
      for (const projection of this.projections) {
        const definition = definitionOf(projection);
        const { rows } = await this.pool.query<{ definition: string | null; version: number | null }>(`select definition, version from ${CHECKPOINTS_TABLE} where name = $1`, [projection.name]);
        const stored = rows[0];
        if (!stored || stored.definition === null) {
          await this.pool.query(createTableSql(projection.table));
          await this.pool.query(
            `insert into ${CHECKPOINTS_TABLE} (name, position, definition, version) values ($1, 0, $2, $3)
             on conflict (name) do update set definition = excluded.definition, version = excluded.version`,
            [projection.name, definition, projection.version],
          );
          prepared[projection.name] = 'created';
        } else if (stored.version !== null && stored.version !== projection.version) {
          this.log.warn({ msg: 'projection version changed: rebuilding from the log', projection: projection.name, from: stored.version, to: projection.version });
          stale.push(projection);
        } else if (stored.definition !== definition) {
          this.log.warn({ msg: 'projection definition changed: rebuilding from the log', projection: projection.name, version: projection.version });
          stale.push(projection);
        } else {
          // The same definition, and so the same version (the definition includes it): a checkpoint of
          // a build before versions were stored gets its version here, without a rebuild.
          if (stored.version === null) await this.pool.query(`update ${CHECKPOINTS_TABLE} set version = $2 where name = $1`, [projection.name, projection.version]);
          prepared[projection.name] = 'resumed';
        }
      }
      // One replay of the log for all of them.
      if (stale.length) await this.rebuildUnlocked(stale.map((p) => p.name));
      for (const projection of stale) prepared[projection.name] = 'rebuilt';
      return prepared;
    });
  }

  async start(): Promise<void> {
    if (this.attached) return;
    await this.prepare();
    this.attached = true;
    await this.runner.attach(...this.projections.map((p) => this.consumerFor(p)));
  }

  async stop(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    for (const projection of this.projections) await this.runner.detach(projection.name);
  }

  status(): ProjectionStatus[] {
    return this.projections.map((p) => {
      const status = this.runner.statusOf(p.name);
      return { name: p.name, position: status?.position ?? 0n, running: status?.state === 'live', lastError: status?.lastError ?? null };
    });
  }

  /** Events in the log that each projection has not applied yet (from the runner, which reports every consumer's lag). */
  async lag(): Promise<{ head: bigint; projections: Record<string, bigint> }> {
    const { head, consumers } = await this.runner.lag(this.projections.map((p) => p.name));
    return { head, projections: consumers };
  }

  private consumerFor(projection: Projection): TransactionalConsumer {
    return {
      kind: 'transactional',
      name: projection.name,
      eventTypes: projection.handles,
      retryDelayMs: this.options.retryDelayMs,
      apply: (client, events) => applyEvents(client, projection, events),
    };
  }

  /**
   * Replays the whole log into fresh tables, then swaps them in atomically after catching up under
   * the checkpoint lock. Live projections keep serving (and running) while the rebuild proceeds.
   */
  async rebuild(names: readonly string[] = this.projections.map((p) => p.name), progress?: (position: bigint, head: bigint) => void): Promise<void> {
    await this.runner.migrate();
    await this.underRebuildLock(() => this.rebuildUnlocked(names, progress));
  }

  private async rebuildUnlocked(names: readonly string[], progress?: (position: bigint, head: bigint) => void): Promise<void> {
    const selected = names.map((name) => {
      const projection = this.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`unknown projection ${name}`);
      return projection;
    });
    const fresh = (p: Projection) => `${p.table.name}__rebuild`;
    for (const projection of selected) {
      await this.pool.query(`drop table if exists ${fresh(projection)}`);
      await this.pool.query(createTableSql(projection.table, fresh(projection)));
    }
    // The log is read once; each batch goes to every projection being rebuilt.
    const apply = async (client: PoolClient, batch: readonly RecordedEvent[]) => {
      for (const projection of selected) await applyEvents(client, projection, batch, fresh(projection));
    };
    const head = await this.store.headPosition();
    let position = 0n;
    for (;;) {
      const batch = await this.store.readAll({ after: position, maxCount: 5000 });
      if (batch.length === 0) break;
      await this.inTransaction((client) => apply(client, batch));
      position = batch[batch.length - 1].globalPosition;
      progress?.(position, head);
    }
    await this.inTransaction(async (client) => {
      const names = selected.map((p) => p.name).sort();
      for (const name of names) await client.query(`insert into ${CHECKPOINTS_TABLE} (name, position, definition, version) values ($1, 0, '', null) on conflict do nothing`, [name]);
      await client.query(`select position from ${CHECKPOINTS_TABLE} where name = any($1) order by name for update`, [names]);
      for (;;) {
        const batch = await this.store.readAll({ after: position, maxCount: 5000 });
        if (batch.length === 0) break;
        await apply(client, batch);
        position = batch[batch.length - 1].globalPosition;
      }
      for (const projection of selected) {
        const live = projection.table.name;
        await client.query(`drop table if exists ${live}`);
        await client.query(`alter table ${fresh(projection)} rename to ${live}`);
        await client.query(`alter table ${live} rename constraint ${fresh(projection)}_pkey to ${live}_pkey`);
        for (let i = 0; i < (projection.table.indexes ?? []).length; i++) {
          await client.query(`alter index ${fresh(projection)}_ix${i} rename to ${live}_ix${i}`);
        }
        await client.query(`update ${CHECKPOINTS_TABLE} set position = $2, definition = $3, version = $4, updated_at = now() where name = $1`, [projection.name, position.toString(), definitionOf(projection), projection.version]);
      }
    });
    this.log.log({ msg: 'read models rebuilt', projections: selected.map((p) => p.name), position: position.toString() });
  }

  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  /** Runs `work` while this process holds the rebuild lock (a session lock on a connection of its own). */
  private async underRebuildLock<T>(work: () => Promise<T>): Promise<T> {
    const session = await this.pool.connect();
    try {
      await session.query('select pg_advisory_lock($1)', [PROJECTION_REBUILD_LOCK]);
      try {
        return await work();
      } finally {
        await session.query('select pg_advisory_unlock($1)', [PROJECTION_REBUILD_LOCK]).catch(() => undefined);
      }
    } finally {
      session.release();
    }
  }

}
