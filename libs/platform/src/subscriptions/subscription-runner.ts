import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { EventStore, RecordedEvent, Subscription } from '@ipstd/event-store';
import { Migration, runMigrations } from '../database/migrator';
import { inTransaction } from '../database/transaction';

/** The one checkpoint store of every consumer of the log (projections and reactors). */
export const CHECKPOINTS_TABLE = 'subscription_checkpoints';

/**
 * Replaces the two checkpoint tables of earlier versions (projection_checkpoints, worker_checkpoints):
 * their rows are carried over, so nothing is re-applied or re-published after an upgrade.
 */
export const SUBSCRIPTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'one checkpoint store for every consumer of the log',
    sql: `create table ${CHECKPOINTS_TABLE} (
            name text primary key,
            position bigint not null,
            definition text,
            updated_at timestamptz not null default now()
          );
          do $$
          begin
            if to_regclass('public.projection_checkpoints') is not null then
              insert into ${CHECKPOINTS_TABLE} (name, position, definition, updated_at)
                select name, position, definition, updated_at from projection_checkpoints on conflict do nothing;
              drop table projection_checkpoints;
            end if;
            if to_regclass('public.worker_checkpoints') is not null then
              insert into ${CHECKPOINTS_TABLE} (name, position, definition, updated_at)
                select name, position, null, updated_at from worker_checkpoints on conflict do nothing;
              drop table worker_checkpoints;
            end if;
          end $$`,
  },
  {
    version: 2,
    name: "a projection's version stored with its checkpoint",
    // Null for reactors, and for projection checkpoints written before versions were stored (the next
    // start fills it in when the definition, which has always included the version, is unchanged).
    sql: `alter table ${CHECKPOINTS_TABLE} add column version integer`,
  },
];

/** Creates the checkpoint store (once per database). */
export async function migrateCheckpoints(pool: Pool): Promise<void> {
  await runMigrations(pool, 'subscriptions', SUBSCRIPTION_MIGRATIONS);
}

interface ConsumerBase {
  /** Its checkpoint's name; unique in the process. */
  readonly name: string;
  /** The event types it handles; null: every event. The runner reads only the union of its consumers' types. */
  readonly eventTypes: readonly string[] | null;
  /** The shared read takes the largest batch any consumer asks for (default 500 events). */
  readonly batchSize?: number;
  /** How long after failing it is retried (default: the runner's, 1 s). */
  readonly retryDelayMs?: number;
  /** Called before it is retried after a failure (to drop state of the failed batches, say). */
  onRetry?(): void;
}

/**
 * A read model: its events are applied inside the runner's transaction, together with every other
 * transactional consumer's and their checkpoints, after locking the checkpoint rows and skipping
 * what they already cover. A crash, a duplicate delivery or a concurrent rebuild (which swaps tables
 * under the same locks) all end in the same rows.
 */
export interface TransactionalConsumer extends ConsumerBase {
  readonly kind: 'transactional';
  apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void>;
}

/**
 * A consumer with side effects (commands, messages): called after the batch's transaction, at least
 * once per event, so it must be idempotent. Its checkpoint is saved once it succeeded.
 */
export interface Reactor extends ConsumerBase {
  readonly kind: 'reactor';
  handle(events: readonly RecordedEvent[], position: bigint): Promise<void>;
  /**
   * Let the next batch start before this one settled (at most two in flight), so that reading and
   * preparing batch N+1 overlaps the I/O of batch N. The reactor must then apply batches in the order
   * it is called and fail every later one once one failed.
   */
  readonly overlap?: boolean;
  /**
   * Where a reactor that keeps its own position (not in the checkpoint store) starts; such a
   * reactor's position is never saved by the runner.
   */
  readonly ownPosition?: () => Promise<bigint>;
  /**
   * Run in one process at a time: the runner holds a PostgreSQL session advisory lock per leased
   * consumer name on a session of its own; a runner that cannot take it keeps the consumer on standby
   * and tries again every `leaseRetryMs`. The lease ends with the session (stop, crash, network loss),
   * and the standby takes over from the stored checkpoint.
   */
  readonly lease?: boolean;
}

export type LogConsumer = TransactionalConsumer | Reactor;

export interface ConsumerStatus {
  readonly name: string;
  readonly kind: LogConsumer['kind'];
  readonly position: bigint;
  /**
   * 'live': served by the shared read; 'catching-up': behind it, reading on its own until it joins;
   * 'retrying': failed, retried after a delay; 'standby': leased and another process holds the lease.
   */
  readonly state: MemberState;
  readonly lastError: string | null;
}

type MemberState = 'live' | 'catching-up' | 'retrying' | 'standby';

/** The advisory-lock namespace (first key) of consumer leases; the second key is hashtext(name). */
export const CONSUMER_LEASE_NAMESPACE = 7_320_500;

export interface SubscriptionRunnerOptions {
  readonly batchSize?: number;
  readonly retryDelayMs?: number;
  /** How often a leased consumer on standby tries to take its lease (default 5 s). */
  readonly leaseRetryMs?: number;
  readonly log?: { error(message: unknown): void; log?(message: unknown): void };
}

interface Member {
  readonly consumer: LogConsumer;
  position: bigint;
  state: MemberState;
  /** A leased consumer's lock is held on the lease session. */
  leaseHeld: boolean;
  lastError: string | null;
  /** Overlapping reactors: the last batch handed over, settled once its checkpoint is saved. */
  pending: Promise<void>;
  timer: NodeJS.Timeout | null;
  detached: boolean;
}

const runners = new WeakMap<EventStore, SubscriptionRunner>();
const instances = new Map<string, number>();

/**
 * A process-unique consumer name for a reactor that keeps its own position (nothing is stored under
 * it), for components of which a process may run more than one on the same store.
 */
export function instanceName(prefix: string): string {
  const n = (instances.get(prefix) ?? 0) + 1;
  instances.set(prefix, n);
  return n === 1 ? prefix : `${prefix}#${n}`;
}

/**
 * Reads the log once per process and hands each batch to every consumer: the transactional ones
 * (read models) in one transaction, then the reactors. Only the union of the consumers' event types
 * is read. A consumer behind the shared read (it attached late, or failed and is retried) reads on
 * its own from its checkpoint until it reaches the shared position, then joins; a failing consumer
 * never holds the others back.
 */
export class SubscriptionRunner {
  private readonly members = new Map<string, Member>();
  private readonly attaching = new Set<string>();
  private subscription: Subscription | null = null;
  /** Everything up to here was handed to every live member. */
  private cursor: bigint | null = null;
  private started = false;
  private starting: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private migrated: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private readonly leaseRetryMs: number;
  /** The session holding this runner's consumer leases. */
  private leaseSession: Promise<PoolClient> | null = null;
  /** Lease queries run one at a time on that session (a pg client runs one query at a time). */
  private leaseQueries: Promise<unknown> = Promise.resolve();
  private readonly log: NonNullable<SubscriptionRunnerOptions['log']>;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly options: SubscriptionRunnerOptions = {},
  ) {
    this.log = options.log ?? new Logger('SubscriptionRunner');
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.leaseRetryMs = options.leaseRetryMs ?? 5000;
  }

  /** The process's runner for this store (one per store instance, so one per process in the apps). */
  static for(pool: Pool, store: EventStore): SubscriptionRunner {
    let runner = runners.get(store);
    if (!runner) {
      runner = new SubscriptionRunner(pool, store);
      runners.set(store, runner);
    }
    return runner;
  }

  migrate(): Promise<void> {
    this.migrated ??= migrateCheckpoints(this.pool).catch((error) => {
      this.migrated = null;
      throw error;
    });
    return this.migrated;
  }

  /**
   * Adds consumers. Consumers added together (and any added before the shared read starts, which is
   * a moment after the first attach) start at the lowest of their positions and share the read.
   */
  async attach(...consumers: LogConsumer[]): Promise<void> {
    // Names are taken before the first await, so two attaches of one name cannot both pass.
    for (const consumer of consumers) {
      if (this.members.has(consumer.name) || this.attaching.has(consumer.name)) throw new Error(`a consumer named ${consumer.name} is already attached`);
    }
    consumers.forEach((c) => this.attaching.add(c.name));
    try {
      await this.migrate();
      const positions = await this.positionsOf(consumers);
      const leased = new Set<string>();
      for (const consumer of consumers) if (isLeased(consumer) && (await this.tryLease(consumer.name))) leased.add(consumer.name);
      await this.join(consumers, positions, leased);
    } finally {
      consumers.forEach((c) => this.attaching.delete(c.name));
    }
    this.resubscribe();
  }

  private join(consumers: readonly LogConsumer[], positions: ReadonlyMap<string, bigint>, leased: ReadonlySet<string>): Promise<void> {
    return this.exclusive(async () => {
      for (const consumer of consumers) {
        const member: Member = { consumer, position: positions.get(consumer.name) ?? 0n, state: 'live', leaseHeld: leased.has(consumer.name), lastError: null, pending: Promise.resolve(), timer: null, detached: false };
        this.members.set(consumer.name, member);
        if (isLeased(consumer) && !member.leaseHeld) {
          member.state = 'standby';
          this.standBy(member);
        } else if (this.cursor !== null && member.position < this.cursor) {
          member.state = 'catching-up';
          void this.catchUp(member);
        }
      }
    });
  }

  /** Removes a consumer; resolves once none of its work is running. */
  async detach(name: string): Promise<void> {
    const member = this.members.get(name);
    if (!member) return;
    member.detached = true;
    if (member.timer) clearTimeout(member.timer);
    await this.exclusive(async () => {
      this.members.delete(name);
    });
    await member.pending.catch(() => undefined);
    if (member.leaseHeld) await this.releaseLease(member);
    if (![...this.members.values()].some((m) => isLeased(m.consumer))) await this.closeLeaseSession();
    if (this.members.size === 0) await this.stopReading();
    else this.resubscribe();
  }

  /** Takes a consumer's lease on the lease session; false when another session holds it (or the database is unreachable). */
  private async tryLease(name: string): Promise<boolean> {
    try {
      const session = await this.sessionForLeases();
      const { rows } = await this.onLeaseSession(() => session.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [CONSUMER_LEASE_NAMESPACE, name]));
      return rows[0].locked;
    } catch (error) {
      this.log.error({ msg: 'could not take a consumer lease; standing by', consumer: name, error: (error as Error).message });
      return false;
    }
  }

  private onLeaseSession<T>(query: () => Promise<T>): Promise<T> {
    const run = this.leaseQueries.then(query, query);
    this.leaseQueries = run.catch(() => undefined);
    return run;
  }

  private sessionForLeases(): Promise<PoolClient> {
    if (!this.leaseSession) {
      const session = this.pool.connect().then((client) => {
        client.on('error', (error) => this.lostLeaseSession(session, error));
        return client;
      });
      session.catch(() => {
        if (this.leaseSession === session) this.leaseSession = null;
      });
      this.leaseSession = session;
    }
    return this.leaseSession;
  }

  /** The lease session ended: every leased consumer stops at once and stands by. */
  private lostLeaseSession(session: Promise<PoolClient>, error: unknown): void {
    if (this.leaseSession !== session) return;
    this.leaseSession = null;
    void session.then((client) => client.release(true)).catch(() => undefined);
    this.log.error({ msg: 'the session holding the consumer leases ended; leased consumers stand by', error: (error as Error).message });
    for (const member of this.members.values()) {
      if (!member.leaseHeld) continue;
      member.leaseHeld = false;
      if (member.timer) clearTimeout(member.timer);
      member.state = 'standby';
      this.standBy(member);
    }
  }

  private async releaseLease(member: Member): Promise<void> {
    member.leaseHeld = false;
    const session = this.leaseSession;
    if (!session) return;
    try {
      const client = await session;
      await this.onLeaseSession(() => client.query('select pg_advisory_unlock($1, hashtext($2))', [CONSUMER_LEASE_NAMESPACE, member.consumer.name]));
    } catch {
      // the session is gone, and its locks with it
    }
  }

  /** Gives the lease session back to the pool once no leased consumer is attached (held or standing by). */
  private async closeLeaseSession(): Promise<void> {
    const session = this.leaseSession;
    if (!session) return;
    this.leaseSession = null;
    try {
      await this.leaseQueries;
      (await session).release();
    } catch {
      // it never connected
    }
  }

  /** Tries the lease again later; once taken, the consumer catches up from its checkpoint and joins. */
  private standBy(member: Member): void {
    member.timer = setTimeout(() => {
      member.timer = null;
      if (member.detached || member.state !== 'standby') return;
      void this.tryLease(member.consumer.name).then((taken) => {
        if (member.detached || member.state !== 'standby') {
          if (taken && !member.detached) member.leaseHeld = true;
          return;
        }
        if (!taken) return this.standBy(member);
        member.leaseHeld = true;
        member.state = 'catching-up';
        this.log.log?.({ msg: 'took the lease of a consumer', consumer: member.consumer.name });
        void this.catchUp(member);
      });
    }, this.leaseRetryMs);
  }

  /** Detaches every consumer and stops reading. */
  async stop(): Promise<void> {
    for (const name of [...this.members.keys()]) await this.detach(name);
    await this.stopReading();
  }

  status(): ConsumerStatus[] {
    return [...this.members.values()].map((m) => ({ name: m.consumer.name, kind: m.consumer.kind, position: m.position, state: m.state, lastError: m.lastError }));
  }

  statusOf(name: string): ConsumerStatus | null {
    return this.status().find((s) => s.name === name) ?? null;
  }

  /** How many events each named consumer (every attached one by default) has still to handle, from the stored checkpoints. */
  async lag(names?: readonly string[]): Promise<{ head: bigint; consumers: Record<string, bigint> }> {
    await this.migrate();
    const head = await this.store.headPosition();
    const wanted = names ?? [...this.members.keys()];
    const { rows } = await this.pool.query<{ name: string; position: string }>(`select name, position from ${CHECKPOINTS_TABLE} where name = any($1)`, [wanted]);
    const stored = new Map(rows.map((r) => [r.name, BigInt(r.position)]));
    const consumers: Record<string, bigint> = {};
    for (const name of wanted) {
      const member = this.members.get(name);
      const position = member?.consumer.kind === 'reactor' && member.consumer.ownPosition ? member.position : (stored.get(name) ?? 0n);
      consumers[name] = head > position ? head - position : 0n;
    }
    return { head, consumers };
  }

  private async positionsOf(consumers: readonly LogConsumer[]): Promise<Map<string, bigint>> {
    const positions = new Map<string, bigint>();
    const stored = consumers.filter((c) => !(c.kind === 'reactor' && c.ownPosition)).map((c) => c.name);
    if (stored.length) {
      await this.pool.query(`insert into ${CHECKPOINTS_TABLE} (name, position) select unnest($1::text[]), 0 on conflict do nothing`, [stored]);
      const { rows } = await this.pool.query<{ name: string; position: string }>(`select name, position from ${CHECKPOINTS_TABLE} where name = any($1)`, [stored]);
      rows.forEach((r) => positions.set(r.name, BigInt(r.position)));
    }
    for (const consumer of consumers) if (consumer.kind === 'reactor' && consumer.ownPosition) positions.set(consumer.name, await consumer.ownPosition());
    return positions;
  }

  /** Runs `work` while no batch is being handed out (membership and the cursor change only here). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** (Re)starts the shared read a moment later, so consumers attached together share it from the start. */
  private resubscribe(): void {
    if (this.starting) return;
    this.starting = setTimeout(() => {
      this.starting = null;
      void this.exclusive(() => this.subscribe()).catch((error) => this.readFailed(error));
    }, this.started ? 0 : 50);
  }

  private async stopReading(): Promise<void> {
    if (this.starting) clearTimeout(this.starting);
    this.starting = null;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    this.cursor = null;
    this.started = false;
  }

  /** Must run exclusively. */
  private async subscribe(): Promise<void> {
    const previous = this.subscription;
    this.subscription = null;
    // Stopping waits for a batch in flight, which itself waits for the lock: let it finish outside.
    if (previous) void previous.stop();
    const live = [...this.members.values()].filter((m) => m.state === 'live');
    if (this.members.size === 0) return;
    if (this.cursor === null) {
      this.cursor = live.length ? live.reduce((min, m) => (m.position < min ? m.position : min), live[0].position) : 0n;
    }
    this.started = true;
    const types = this.unionOfTypes();
    const subscription = this.store.subscribeToAll({
      after: this.cursor,
      batchSize: this.sharedBatchSize(),
      ...(types ? { eventTypes: types } : {}),
      onBatch: (events, position) =>
        this.exclusive(async () => {
          if (this.subscription !== subscription) return; // superseded; the new subscription reads it again
          await this.dispatch(events, position);
        }),
      onError: (error) => this.readFailed(error),
    });
    this.subscription = subscription;
  }

  private sharedBatchSize(): number {
    return Math.max(this.batchSize, ...[...this.members.values()].map((m) => m.consumer.batchSize ?? 0));
  }

  private unionOfTypes(): string[] | null {
    const types = new Set<string>();
    for (const member of this.members.values()) {
      if (member.consumer.eventTypes === null) return null;
      member.consumer.eventTypes.forEach((t) => types.add(t));
    }
    return [...types].sort();
  }

  private readFailed(error: unknown): void {
    this.log.error({ msg: 'reading the log failed; retrying', error: (error as Error).message });
    if (this.restartTimer || this.members.size === 0) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.exclusive(() => this.subscribe()).catch((e) => this.readFailed(e));
    }, this.retryDelayMs);
  }

  /** Hands one batch of the shared read to every live member. Runs exclusively. */
  private async dispatch(events: readonly RecordedEvent[], position: bigint): Promise<void> {
    const live = [...this.members.values()].filter((m) => m.state === 'live' && m.position < position);
    const transactional = live.filter((m) => m.consumer.kind === 'transactional');
    if (transactional.length) await this.applyTogether(transactional, events, position);
    const reactors = live.filter((m) => m.consumer.kind === 'reactor');
    if (reactors.length) await Promise.all(reactors.map((m) => this.react(m, events, position)));
    this.cursor = position;
  }

  /** One transaction for every transactional member; a member that throws is taken out and retried alone. */
  private async applyTogether(members: Member[], events: readonly RecordedEvent[], position: bigint): Promise<void> {
    let remaining = members;
    while (remaining.length) {
      let culprit: Member | null = null;
      try {
        await this.applyInTransaction(remaining, events, position, (m) => (culprit = m));
        return;
      } catch (error) {
        if (!culprit) throw error; // the database itself: the shared read retries the batch
        this.failed(culprit, error);
        const out: Member = culprit;
        remaining = remaining.filter((m) => m !== out);
      }
    }
  }

  private async applyInTransaction(members: readonly Member[], events: readonly RecordedEvent[], position: bigint, blame: (m: Member) => void): Promise<void> {
    const names = members.map((m) => m.consumer.name).sort();
    const covered = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ name: string; position: string }>(
        `select name, position from ${CHECKPOINTS_TABLE} where name = any($1) order by name for update`,
        [names],
      );
      const stored = new Map(rows.map((r) => [r.name, BigInt(r.position)]));
      for (const member of members) {
        const from = stored.get(member.consumer.name) ?? 0n;
        const fresh = freshFor(member.consumer, events, from);
        if (!fresh.length) continue;
        try {
          await (member.consumer as TransactionalConsumer).apply(client, fresh);
        } catch (error) {
          blame(member);
          throw error;
        }
      }
      await client.query(`update ${CHECKPOINTS_TABLE} set position = $2, updated_at = now() where name = any($1) and position < $2`, [names, position.toString()]);
      return stored;
    });
    // A rebuild may have moved a checkpoint past this batch: the member is wherever the store says, at least here.
    for (const member of members) {
      const stored = covered.get(member.consumer.name) ?? 0n;
      member.position = stored > position ? stored : position;
      member.lastError = null;
    }
  }

  private async react(member: Member, events: readonly RecordedEvent[], position: bigint): Promise<void> {
    const reactor = member.consumer as Reactor;
    const fresh = freshFor(reactor, events, member.position);
    const save = async () => {
      if (!reactor.ownPosition) {
        await this.pool.query(`update ${CHECKPOINTS_TABLE} set position = $2, updated_at = now() where name = $1 and position < $2`, [reactor.name, position.toString()]);
      }
      member.position = position;
      member.lastError = null;
    };
    if (!reactor.overlap) {
      try {
        if (fresh.length) await reactor.handle(fresh, position);
        await save();
      } catch (error) {
        this.failed(member, error);
      }
      return;
    }
    const previous = member.pending;
    const handling = fresh.length ? reactor.handle(fresh, position) : Promise.resolve();
    const current = Promise.all([previous, handling]).then(save);
    current.catch((error) => {
      if (member.state === 'live') this.failed(member, error);
    });
    member.pending = current.catch(() => undefined);
    await previous.catch(() => undefined);
  }

  /** Takes a member out of the shared read; it is retried from its checkpoint after a delay. */
  private failed(member: Member, error: unknown): void {
    member.lastError = (error as Error).message;
    if (member.state === 'retrying' || member.state === 'standby' || member.detached) return;
    member.state = 'retrying';
    this.log.error({ msg: 'consumer failed; retrying from its checkpoint', consumer: member.consumer.name, error: member.lastError });
    member.timer = setTimeout(() => {
      member.timer = null;
      if (member.detached) return;
      member.state = 'catching-up';
      member.consumer.onRetry?.();
      void this.catchUp(member);
    }, member.consumer.retryDelayMs ?? this.retryDelayMs);
  }

  /** Reads on the member's own from its checkpoint until it reaches the shared read, then joins it. */
  private async catchUp(member: Member): Promise<void> {
    try {
      await member.pending.catch(() => undefined);
      member.pending = Promise.resolve();
      if (!(member.consumer.kind === 'reactor' && member.consumer.ownPosition)) {
        member.position = (await this.positionsOf([member.consumer])).get(member.consumer.name) ?? member.position;
      } else {
        member.position = await member.consumer.ownPosition();
      }
      for (;;) {
        if (member.detached || member.state !== 'catching-up') return;
        const joined = await this.exclusive(async () => {
          if (member.state !== 'catching-up') return true;
          if (this.cursor === null || member.position >= this.cursor) {
            member.state = 'live';
            return true;
          }
          return false;
        });
        if (joined) return;
        const until = this.cursor!;
        const types = member.consumer.eventTypes ?? undefined;
        const maxCount = member.consumer.batchSize ?? this.batchSize;
        const batch = await this.store.readAll({ after: member.position, maxCount, until, ...(types ? { eventTypes: types } : {}) });
        const position = batch.length === maxCount ? batch[batch.length - 1].globalPosition : until;
        if (member.consumer.kind === 'transactional') {
          await this.applyInTransaction([member], batch, position, () => undefined);
        } else {
          if (batch.length) await member.consumer.handle(batch, position);
          if (!member.consumer.ownPosition) {
            await this.pool.query(`update ${CHECKPOINTS_TABLE} set position = $2, updated_at = now() where name = $1 and position < $2`, [member.consumer.name, position.toString()]);
          }
          member.position = position;
        }
      }
    } catch (error) {
      this.failed(member, error);
    }
  }
}

function isLeased(consumer: LogConsumer): boolean {
  return consumer.kind === 'reactor' && consumer.lease === true;
}

const typeSets = new WeakMap<LogConsumer, ReadonlySet<string> | null>();

function freshFor(consumer: LogConsumer, events: readonly RecordedEvent[], after: bigint): RecordedEvent[] {
  let types = typeSets.get(consumer);
  if (types === undefined) {
    types = consumer.eventTypes ? new Set(consumer.eventTypes) : null;
    typeSets.set(consumer, types);
  }
  const wanted = types;
  return events.filter((e) => e.globalPosition > after && (wanted === null || wanted.has(e.type)));
}

/**
 * Publishes every attached consumer's lag (`subscription_lag_events{consumer}`) every few seconds,
 * from the runner's one lag computation.
 */
export class SubscriptionLagReporter {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly runner: SubscriptionRunner,
    private readonly gauge: { set(labels: { consumer: string }, value: number): void },
    private readonly everyMs = 5000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.report(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async report(): Promise<void> {
    try {
      const { consumers } = await this.runner.lag();
      for (const [consumer, lag] of Object.entries(consumers)) this.gauge.set({ consumer }, Number(lag));
    } catch {
      // readiness reports an unreachable database; the gauge keeps its last values
    }
  }
}
