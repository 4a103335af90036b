import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ManualClock } from '@ipstd/kernel';
import { PostgresEventStore } from '../src';
import { createTestDatabase } from '../../../test/support/postgres';
import { migrateEventStore } from '@ipstd/platform';
import { eventStoreContract, newEvent, waitFor } from '@ipstd/event-store/contract';

eventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase('es');
  const clock = new ManualClock('2024-10-08T00:00:00Z');
  await migrateEventStore(db.pool);
  const store = new PostgresEventStore(db.pool, { clock, pollIntervalMs: 100, readPageSize: 100 });
  return {
    store,
    clock,
    readPageSize: 100,
    async cleanup() {
      await store.close();
      await db.drop();
    },
  };
});

describe('PostgreSQL event store specifics', () => {
  it('close() settles in a process with nothing else to wait for (its idle append connection is ended, not abandoned)', async () => {
    const db = await createTestDatabase('es');
    try {
      await migrateEventStore(db.pool);
      // A process of its own: inside Jest something always keeps the event loop alive.
      const script = `
        const { Pool } = require('pg');
        const { PostgresEventStore } = require(${JSON.stringify(join(__dirname, '../../../dist/libs/event-store-postgres/src'))});
        (async () => {
          // Idle pool clients end at once, so that only the store's own connections can keep the process alive.
          const pool = new Pool({ connectionString: ${JSON.stringify(db.url)}, max: 20, idleTimeoutMillis: 1 });
          const store = new PostgresEventStore(pool);
          const meta = { actor: { userId: 'u', role: 'system', organisation: null }, correlationId: 'c', causationId: null, effectiveAt: new Date().toISOString(), idempotencyKey: null };
          for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 64 }, (_, i) => store.appendToStream('close-' + round + '-' + i, [{ eventId: require('crypto').randomUUID(), type: 'Closed', schemaVersion: 1, data: {}, metadata: meta }], { expectedRevision: 'no-stream' })));
          await new Promise((r) => setTimeout(r, 100));
          await store.close();
          await pool.end();
          process.stdout.write('closed');
          globalThis.closed = true;
        })();
        process.on('beforeExit', () => { if (!globalThis.closed) { process.stdout.write('left behind'); process.exitCode = 3; } });
      `;
      const result = spawnSync(process.execPath, ['-e', script], { cwd: join(__dirname, '../../..'), encoding: 'utf8', timeout: 30_000 });
      expect({ stdout: result.stdout, status: result.status, stderr: result.stderr }).toEqual({ stdout: 'closed', status: 0, stderr: '' });
    } finally {
      await db.drop();
    }
  });

  it('reads a stream of more than 10,000 events whole with the default page size (no fixed cap)', async () => {
    const db = await createTestDatabase('es');
    await migrateEventStore(db.pool);
    const store = new PostgresEventStore(db.pool);
    try {
      const length = 10_050;
      for (let start = 0; start < length; start += 2_500) {
        const batch = Array.from({ length: Math.min(2_500, length - start) }, (_, k) => newEvent('Numbered', { i: start + k }));
        await store.appendToStream('long', batch, { expectedRevision: start === 0 ? 'no-stream' : BigInt(start - 1) });
      }
      const events = await store.readStream('long');
      expect(events).toHaveLength(length);
      expect(events.every((e, i) => e.revision === BigInt(i))).toBe(true);
      expect((await store.readStream('long', { direction: 'backwards' }))[length - 1].revision).toBe(0n);
    } finally {
      await store.close();
      await db.drop();
    }
  }, 60_000);

  it('migrations are applied once and are idempotent', async () => {
    const db = await createTestDatabase('es');
    try {
      expect(await migrateEventStore(db.pool)).toEqual([1]);
      expect(await migrateEventStore(db.pool)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('a subscriber never skips an event whose transaction commits after a later-started one', async () => {
    const db = await createTestDatabase('es');
    await migrateEventStore(db.pool);
    const store = new PostgresEventStore(db.pool, { pollIntervalMs: 20 });
    try {
      // A foreign writer that follows the append protocol but holds its transaction open.
      const slow = await db.pool.connect();
      await slow.query('begin');
      await slow.query('select pg_advisory_xact_lock(7320500002)');
      await slow.query(
        `insert into es_events (event_id, stream_id, stream_revision, event_type, schema_version, data, metadata, recorded_at, effective_at, correlation_id, hash)
         values ($1, 'slow', 0, 'Slow', 1, '{}', '{}', now(), now(), 'c', 'h')`,
        [newEvent().eventId],
      );
      const seen: string[] = [];
      const sub = store.subscribeToAll({ after: 0n, onBatch: async (events) => void seen.push(...events.map((e) => e.streamId)) });
      const fast = store.appendToStream('fast', [newEvent()], { expectedRevision: 'no-stream' });
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([]);
      await slow.query('commit');
      slow.release();
      await fast;
      await waitFor(() => seen.length === 2);
      expect(seen).toEqual(['slow', 'fast']);
      await sub.stop();
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('one conflicting append in a batch fails alone', async () => {
    const db = await createTestDatabase('es');
    await migrateEventStore(db.pool);
    const store = new PostgresEventStore(db.pool);
    try {
      await store.appendToStream('s-1', [newEvent()], { expectedRevision: 'no-stream' });
      const results = await Promise.allSettled([
        store.appendToStream('s-1', [newEvent()], { expectedRevision: 5n }),
        store.appendToStream('s-2', [newEvent()], { expectedRevision: 'no-stream' }),
        store.appendToStream('s-3', [newEvent()], { expectedRevision: 'no-stream' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
