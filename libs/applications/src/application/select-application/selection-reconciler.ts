import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ipstd/event-store';
import { Clock } from '@ipstd/kernel';
import { APP_CONFIG, AppConfig, CLOCK, CheckpointedWorker, PG_POOL, readEvent, readEventOf, systemContext, Migration, runMigrations } from '@ipstd/platform';
import { APPLICATION_EVENTS, PROGRAMME_EVENTS, RESERVATION_GRACE_MS } from '../../domain';
import { FundsCommitments, ReleaseOutcome } from './funds-commitments';
import { lapsedReason } from './select-application.handler';

/** Its tables; also applied by the migration job (scripts/migrate.ts). */
export const SELECTION_RECONCILER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'budget commitments awaiting their selection',
    sql: `create table pm_selection_commitments (
            selection_id text primary key,
            programme_id text not null,
            application_id text not null,
            amount_fen bigint not null,
            expires_at timestamptz not null,
            state text not null check (state in ('pending', 'recorded', 'released'))
          );
          create index pm_selection_commitments_pending_idx on pm_selection_commitments (expires_at) where state = 'pending'`,
  },
];

const ACTOR = 'system:selection-reconciler';

/**
 * Process manager for selections: follows every budget commitment (FundsCommitted) until the
 * application records its selection (ApplicationSelected with the same selectionId) or the money is
 * released (FundsReleased). On a timer it releases each commitment whose lease lapsed without its
 * selection: what a crash between committing and recording left behind. The application refuses a
 * selection once the commitment has expired, so releasing after the lease and a grace period can never
 * undo an award; the release names the selection and why.
 */
@Injectable()
export class SelectionReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('selection-reconciler');
  readonly worker: CheckpointedWorker;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly funds: FundsCommitments,
  ) {
    this.worker = new CheckpointedWorker(pool, store, 'selection-reconciler', (events) => this.track(events), { log: this.logger, eventTypes: ['FundsCommitted', 'FundsReleased', 'ApplicationSelected'] });
  }

  async onApplicationBootstrap(): Promise<void> {
    await runMigrations(this.pool, 'selection-reconciler', SELECTION_RECONCILER_MIGRATIONS);
    await this.worker.start();
    this.timer = setInterval(() => void this.runOnce().catch((e) => this.logger.error({ msg: 'selection reconciliation failed', error: (e as Error).message })), this.config.selectionReconcileIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker.stop();
  }

  private async track(events: readonly RecordedEvent[]): Promise<void> {
    for (const recorded of events) {
      if (recorded.type === 'FundsCommitted' || recorded.type === 'FundsReleased') {
        const event = readEvent(PROGRAMME_EVENTS, recorded);
        if (event.type === 'FundsCommitted') {
          const { selectionId, programmeId, applicationId, amountFen, expiresAt } = event.data;
          await this.pool.query(
            `insert into pm_selection_commitments (selection_id, programme_id, application_id, amount_fen, expires_at, state)
             values ($1, $2, $3, $4, $5, 'pending')
             on conflict (selection_id) do update set expires_at = excluded.expires_at, amount_fen = excluded.amount_fen,
               state = case when pm_selection_commitments.state = 'recorded' then 'recorded' else 'pending' end`,
            [selectionId, programmeId, applicationId, amountFen, expiresAt],
          );
        } else if (event.type === 'FundsReleased') {
          await this.pool.query(`update pm_selection_commitments set state = 'released' where selection_id = $1 and state = 'pending'`, [event.data.selectionId]);
        }
      } else if (recorded.type === 'ApplicationSelected') {
        const { selectionId } = readEventOf(APPLICATION_EVENTS, 'ApplicationSelected', recorded).data;
        await this.pool.query(`update pm_selection_commitments set state = 'recorded' where selection_id = $1`, [selectionId]);
      }
    }
  }

  /** Releases every commitment whose lease and grace have passed without its selection; returns how many. */
  async runOnce(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - RESERVATION_GRACE_MS);
    const { rows } = await this.pool.query<{ selection_id: string; programme_id: string; application_id: string; expires_at: Date }>(
      `select selection_id, programme_id, application_id, expires_at from pm_selection_commitments
        where state = 'pending' and expires_at < $1 order by expires_at limit 1000`,
      [cutoff],
    );
    let released = 0;
    for (const row of rows) {
      const context = systemContext(ACTOR, `reconcile-${row.selection_id}`);
      const outcome: ReleaseOutcome = await this.funds.releaseUnlessRecorded(row.programme_id, row.application_id, row.selection_id, lapsedReason(row.selection_id, row.expires_at.toISOString()), context);
      if (outcome === 'released') {
        released++;
        this.logger.warn({ msg: 'released a budget commitment whose selection was never recorded', selectionId: row.selection_id, applicationId: row.application_id });
      }
      await this.pool.query(`update pm_selection_commitments set state = $2 where selection_id = $1 and state = 'pending'`, [row.selection_id, outcome === 'recorded' ? 'recorded' : 'released']);
    }
    return released;
  }
}
