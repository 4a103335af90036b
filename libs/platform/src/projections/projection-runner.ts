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

export function definitionOf(projection: Projection): string {
  return sha256Hex(`${projection.kind}|${projection.handles.join(',')}|${createTableSql(projection.table)}|v${projectionVersion(projection)}`);
}

function projectionVersion(projection: Projection): number {
  return (projection as { version?: number }).version ?? 1;
}

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
    this.runner = SubscriptionRunner.for(pool, store);
  }

  /** Creates checkpoint and read-model tables; rebuilds a projection whose definition changed. */
  async prepare(): Promise<void> {
    await this.runner.migrate();
    for (const projection of this.projections) {
      const definition = definitionOf(projection);
      const { rows } = await this.pool.query<{ definition: string }>(`select definition from ${CHECKPOINTS_TABLE} where name = $1`, [projection.name]);
      if (rows.length === 0 || rows[0].definition === null) {
        await this.pool.query(createTableSql(projection.table));
        await this.pool.query(`insert into ${CHECKPOINTS_TABLE} (name, position, definition) values ($1, 0, $2) on conflict (name) do update set definition = excluded.definition`, [projection.name, definition]);
      } else if (rows[0].definition !== definition) {
        this.log.warn({ msg: 'projection definition changed: rebuilding from the log', projection: projection.name });
        await this.rebuild([projection.name]);
      }
    }
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
      for (const name of names) await client.query(`insert into ${CHECKPOINTS_TABLE} (name, position, definition) values ($1, 0, '') on conflict do nothing`, [name]);
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
        await client.query(`update ${CHECKPOINTS_TABLE} set position = $2, definition = $3, updated_at = now() where name = $1`, [projection.name, position.toString(), definitionOf(projection)]);
      }
    });
    this.log.log({ msg: 'read models rebuilt', projections: selected.map((p) => p.name), position: position.toString() });
  }

  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

}
