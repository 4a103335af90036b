import { Pool } from 'pg';
import { Migration, runMigrations } from '@ipstd/platform';
import { Cosignature } from '../verify/cosignature';

/**
 * Witness cosignatures are kept in a table of their own, not as events of the funding log: they are
 * statements by outside parties about the log (not decisions of the programme), they arrive for
 * checkpoints the log already signed, and appending them as events would grow the tree and call for
 * yet another checkpoint to cosign. Losing the table loses no evidence of the log itself: a
 * witness keeps what it signed and can submit it again.
 */
export const WITNESS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'witness cosignatures of signed checkpoints',
    sql: `
      create table audit_witness_cosignatures (
        witness text not null,
        key_id text not null,
        tree_size bigint not null,
        root bytea not null,
        cosigned_at bigint not null,
        line text not null,
        received_at timestamptz not null,
        primary key (witness, key_id, tree_size)
      );`,
  },
];

export class WitnessCosignatures {
  private migrated = false;

  constructor(private readonly pool: Pool) {}

  async migrate(): Promise<void> {
    if (this.migrated) return;
    await runMigrations(this.pool, 'audit-witness', WITNESS_MIGRATIONS);
    this.migrated = true;
  }

  /** Keeps a verified cosignature; a later one by the same key for the same tree replaces an earlier one. */
  async record(cosignature: Cosignature, treeSize: bigint, root: Buffer, receivedAt: Date): Promise<void> {
    await this.migrate();
    await this.pool.query(
      `insert into audit_witness_cosignatures (witness, key_id, tree_size, root, cosigned_at, line, received_at)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (witness, key_id, tree_size) do update
         set root = excluded.root, cosigned_at = excluded.cosigned_at, line = excluded.line, received_at = excluded.received_at
         where audit_witness_cosignatures.cosigned_at < excluded.cosigned_at`,
      [cosignature.name, cosignature.keyId.toString(16).padStart(8, '0'), treeSize.toString(), root, cosignature.timestamp.toString(), cosignature.line, receivedAt],
    );
  }

  /** The cosignature lines stored for the tree of `size` leaves with this root, by witness name. */
  async linesFor(size: bigint, root: Buffer): Promise<string[]> {
    await this.migrate();
    const { rows } = await this.pool.query<{ line: string }>('select line from audit_witness_cosignatures where tree_size = $1 and root = $2 order by witness, key_id', [size.toString(), root]);
    return rows.map((r) => r.line);
  }

  /** The largest tree size each witness cosigned. */
  async latest(): Promise<Array<{ witness: string; treeSize: number; cosignedAt: number }>> {
    await this.migrate();
    const { rows } = await this.pool.query<{ witness: string; tree_size: string; cosigned_at: string }>(
      'select distinct on (witness) witness, tree_size, cosigned_at from audit_witness_cosignatures order by witness, tree_size desc',
    );
    return rows.map((r) => ({ witness: r.witness, treeSize: Number(r.tree_size), cosignedAt: Number(r.cosigned_at) }));
  }
}
