import { Pool, PoolClient } from 'pg';
import { EventStore, RecordedEvent, hashEvent } from '@ipstd/event-store';
import { SubscriptionRunner, instanceName, Migration, runMigrations } from '@ipstd/platform';
import { LeafRange, MerkleFrontier, TreeNode, consistencyRanges, foldSubtrees, inclusionRanges, leafDataOfHash, perfectSubtreesOf } from '../verify/merkle';

export const MERKLE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'merkle tree over the log (RFC 9162): perfect subtree hashes, leaf positions, tree head',
    sql: `
      create table audit_merkle_nodes (
        level smallint not null,
        node_index bigint not null,
        hash bytea not null,
        primary key (level, node_index)
      );
      create table audit_merkle_leaves (
        leaf_index bigint primary key,
        global_position bigint not null unique,
        event_id text not null unique
      );
      create table audit_merkle_head (
        singleton boolean primary key default true check (singleton),
        tree_size bigint not null,
        root bytea not null,
        last_position bigint not null,
        updated_at timestamptz not null default now()
      );
      insert into audit_merkle_head (tree_size, root, last_position)
        values (0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'), 0);`,
  },
];

export interface TreeHead {
  readonly size: bigint;
  readonly root: Buffer;
  /** Global position of the last event in the tree (0 for the empty tree). */
  readonly lastPosition: bigint;
}

export interface LeafInfo {
  readonly leafIndex: bigint;
  readonly globalPosition: bigint;
  readonly eventId: string;
}

/** An event whose stored hash is not the hash of its stored fields: the tree does not take it in. */
export class LeafRefusedError extends Error {}

/**
 * The RFC 9162 Merkle tree over the whole log, kept in PostgreSQL: every perfect subtree hash
 * (level 0 = leaf hashes), the leaf index of every global position, and the tree head. Advancing
 * by k events reads the right edge (≤ log n rows), appends, and writes ≤ 2k rows: O(k log n), never
 * a rebuild. Advances are serialised by a row lock on the head, so any number of processes may run it.
 * Works on any event-store adapter: events are read through the port, the tree lives in `pool`.
 */
export class MerkleLog {
  private attached = false;
  private readonly consumerName = instanceName('audit-merkle-log');
  private advancing: Promise<TreeHead> | null = null;
  private migrated = false;
  lastError: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly options: { batchSize?: number; log?: { log(m: unknown): void; error(m: unknown): void } } = {},
  ) {}

  async migrate(): Promise<void> {
    if (this.migrated) return;
    await runMigrations(this.pool, 'audit-merkle', MERKLE_MIGRATIONS);
    this.migrated = true;
  }

  /** Follows the log and advances the tree with every batch of new events. */
  async start(): Promise<void> {
    await this.migrate();
    if (this.attached) return;
    this.attached = true;
    // A reactor of the process's one read of the log: every batch (of any type) advances the tree,
    // which reads the events' hashes itself from where the tree ends.
    await SubscriptionRunner.for(this.pool, this.store).attach({
      kind: 'reactor',
      name: this.consumerName,
      eventTypes: null,
      ownPosition: async () => (await this.head()).lastPosition,
      handle: async () => {
        await this.advance().catch((error) => {
          this.lastError = (error as Error).message;
          this.options.log?.error({ msg: 'merkle tree did not advance; retried with the next batch or request', error: this.lastError });
        });
      },
    });
  }

  async stop(): Promise<void> {
    if (this.attached) await SubscriptionRunner.for(this.pool, this.store).detach(this.consumerName);
    this.attached = false;
    await this.advancing?.catch(() => undefined);
  }

  async head(client: Pool | PoolClient = this.pool): Promise<TreeHead> {
    await this.migrate();
    let { rows } = await client.query<{ tree_size: string; root: Buffer; last_position: string }>('select tree_size, root, last_position from audit_merkle_head');
    if (rows.length === 0) {
      // The tree's tables were emptied (a restore without them, a truncation): start again from the empty
      // tree, which the next advance rebuilds from the log. The head row is the one the migration inserts.
      await client.query(
        `insert into audit_merkle_head (tree_size, root, last_position)
         values (0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'), 0) on conflict do nothing`,
      );
      ({ rows } = await client.query<{ tree_size: string; root: Buffer; last_position: string }>('select tree_size, root, last_position from audit_merkle_head'));
    }
    return { size: BigInt(rows[0].tree_size), root: rows[0].root, lastPosition: BigInt(rows[0].last_position) };
  }

  /** Takes every event up to the log's head into the tree; returns the new head. Calls in one process run one at a time. */
  advance(): Promise<TreeHead> {
    const run = (this.advancing ?? Promise.resolve(null)).catch(() => null).then(() => this.advanceAll());
    this.advancing = run;
    return run;
  }

  private async advanceAll(): Promise<TreeHead> {
    await this.migrate();
    const target = await this.store.headPosition();
    for (;;) {
      const { head, done } = await this.advanceBatch(target);
      if (done) {
        this.lastError = null;
        return head;
      }
    }
  }

  /** One transaction: lock the head, append one batch of events (up to `target`), write nodes and head. */
  private async advanceBatch(target: bigint): Promise<{ head: TreeHead; done: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('select 1 from audit_merkle_head for update');
      const head = await this.head(client);
      if (head.lastPosition >= target) {
        await client.query('commit');
        return { head, done: true };
      }
      const events = (await this.store.readAll({ after: head.lastPosition, maxCount: this.options.batchSize ?? 1000 })).filter((e) => e.globalPosition <= target);
      if (events.length === 0) {
        await client.query('commit');
        return { head, done: true };
      }
      const edge = await this.hashes(perfectSubtreesOf(0n, head.size), client);
      const frontier = new MerkleFrontier(head.size, edge);
      const nodes: TreeNode[] = [];
      for (const event of events) nodes.push(...frontier.append(leafDataOf(event)));
      await client.query(
        'insert into audit_merkle_nodes (level, node_index, hash) select * from unnest($1::smallint[], $2::bigint[], $3::bytea[])',
        [nodes.map((n) => n.level), nodes.map((n) => n.index.toString()), nodes.map((n) => n.hash)],
      );
      await client.query(
        'insert into audit_merkle_leaves (leaf_index, global_position, event_id) select * from unnest($1::bigint[], $2::bigint[], $3::text[])',
        [events.map((_, i) => (head.size + BigInt(i)).toString()), events.map((e) => e.globalPosition.toString()), events.map((e) => e.eventId)],
      );
      const next: TreeHead = { size: frontier.size, root: frontier.root(), lastPosition: events[events.length - 1].globalPosition };
      await client.query('update audit_merkle_head set tree_size = $1, root = $2, last_position = $3, updated_at = now()', [next.size.toString(), next.root, next.lastPosition.toString()]);
      await client.query('commit');
      return { head: next, done: next.lastPosition >= target };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The stored hashes of the given perfect subtrees, in the given order. */
  private async hashes(wanted: ReadonlyArray<{ level: number; index: bigint }>, client: Pool | PoolClient = this.pool): Promise<Buffer[]> {
    if (wanted.length === 0) return [];
    const { rows } = await client.query<{ level: number; node_index: string; hash: Buffer }>(
      'select level, node_index, hash from audit_merkle_nodes where (level, node_index) in (select * from unnest($1::smallint[], $2::bigint[]))',
      [wanted.map((w) => w.level), wanted.map((w) => w.index.toString())],
    );
    const byKey = new Map(rows.map((r) => [`${r.level}:${r.node_index}`, r.hash]));
    return wanted.map((w) => {
      const hash = byKey.get(`${w.level}:${w.index}`);
      if (!hash) throw new Error(`merkle node (${w.level}, ${w.index}) is missing`);
      return hash;
    });
  }

  /** MTH of each range, reading every perfect subtree needed in one query. */
  async rangeHashes(ranges: readonly LeafRange[]): Promise<Buffer[]> {
    const parts = ranges.map(([s, e]) => perfectSubtreesOf(s, e));
    const all = await this.hashes(parts.flat());
    let at = 0;
    return parts.map((p) => foldSubtrees(all.slice(at, (at += p.length))));
  }

  /** The root of the tree of the first `size` leaves (size ≤ the head's size). */
  async rootAt(size: bigint): Promise<Buffer> {
    return (await this.rangeHashes([[0n, size]]))[0];
  }

  async inclusionProof(leafIndex: bigint, treeSize: bigint): Promise<Buffer[]> {
    return this.rangeHashes(inclusionRanges(leafIndex, treeSize));
  }

  async consistencyProof(from: bigint, to: bigint): Promise<Buffer[]> {
    return this.rangeHashes(consistencyRanges(from, to));
  }

  async leafByPosition(position: bigint): Promise<LeafInfo | null> {
    return this.leafWhere('global_position = $1', position.toString());
  }

  async leafByEventId(eventId: string): Promise<LeafInfo | null> {
    return this.leafWhere('event_id = $1', eventId);
  }

  private async leafWhere(condition: string, value: string): Promise<LeafInfo | null> {
    await this.migrate();
    const { rows } = await this.pool.query<{ leaf_index: string; global_position: string; event_id: string }>(`select leaf_index, global_position, event_id from audit_merkle_leaves where ${condition}`, [value]);
    return rows[0] ? { leafIndex: BigInt(rows[0].leaf_index), globalPosition: BigInt(rows[0].global_position), eventId: rows[0].event_id } : null;
  }
}

/**
 * The leaf data of an event: its stored hash, which must be the hash of its stored fields. The tree
 * refuses an event that fails this, so it never certifies an event altered before it was taken in.
 */
function leafDataOf(event: RecordedEvent): Buffer {
  const recomputed = hashEvent(event);
  if (recomputed !== event.hash) throw new LeafRefusedError(`event ${event.eventId} at position ${event.globalPosition}: stored hash is not the hash of its fields; the tree stops before it`);
  return leafDataOfHash(event.hash);
}
