import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { Clock, DomainError } from '@ipstd/kernel';
import { DuplicateEventIdError, EVENT_STORE, EventStore, WrongExpectedRevisionError } from '@ipstd/event-store';
import { APP_CONFIG, AppConfig, CLOCK, CheckpointedWorker, CommandPipeline, PG_POOL, RETRY_ON_CONFLICT, systemContext, runMigrations } from '@ipstd/platform';
import { grantSpec, isOutstanding } from '@ipstd/grants';
import { REMINDER_EVENTS, Recipient, ReminderEvent, ReminderKind, ReminderResource, reminderStatusAt, reminderStream } from '../domain/reminders';
import { COLLECTED_EVENT_TYPES, REMINDER_MIGRATIONS, collectReminders } from './reminder-collector';

export const REMINDER_WORKER = 'reminder-collector';

interface DueRow {
  reminder_id: string;
  kind: ReminderKind;
  resource: ReminderResource;
  recipient: Recipient;
  deadline: Date;
  remind_at: Date;
  lead_working_days: number | null;
  programme_id: string;
  city: string;
  grant_id: string | null;
}

export interface ReminderRun {
  readonly sent: number;
  readonly alreadySent: number;
  readonly missed: number;
  readonly cancelled: number;
}

/**
 * Deadline reminders (docs/integration.md, "Reminders"): a checkpointed worker collects every
 * upcoming deadline from the log into reminder_deadlines; a timer looks, every
 * REMINDER_CHECK_INTERVAL_MS, for reminders whose time has come on the injected clock, and records
 * each as a DeadlineReminderSent event on its own stream `reminder-<id>`.
 *
 * Once per deadline and recipient, across restarts and replicas: the reminder id (UUIDv5 of kind,
 * resource, deadline and recipient) is the event's id and names its stream, and the append expects
 * no stream, so a second attempt, by this process after a crash or by another replica at the same
 * moment, appends nothing: the store answers the same event id on the same stream as a replay, and
 * a concurrent first append loses on the expected revision. The relay publishes the event on `<prefix>.notifications` and the REST
 * feed serves it.
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('ReminderScheduler');
  private readonly worker: CheckpointedWorker;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ReminderRun> | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pipeline: CommandPipeline,
  ) {
    this.worker = new CheckpointedWorker(pool, store, REMINDER_WORKER, (events) => this.collect(events), { batchSize: 500, log: this.log, eventTypes: COLLECTED_EVENT_TYPES });
  }

  async onApplicationBootstrap(): Promise<void> {
    await runMigrations(this.pool, 'reminders', REMINDER_MIGRATIONS);
    await this.worker.start();
    this.timer = setInterval(() => void this.runOnce().catch((e) => this.log.error({ msg: 'reminder run failed', error: (e as Error).message })), this.config.reminderCheckIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.worker.stop();
  }

  /** True once the collector has applied every event it reads that is in the log now (tests wait on it). */
  async caughtUp(): Promise<boolean> {
    const checkpoint = await this.worker.checkpoint();
    const unread = await this.store.readAll({ after: checkpoint, maxCount: 1, eventTypes: COLLECTED_EVENT_TYPES });
    return unread.length === 0;
  }

  /** Sends every reminder whose time has come; one run at a time per process. */
  runOnce(): Promise<ReminderRun> {
    if (!this.running) this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async collect(events: Parameters<typeof collectReminders>[1]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await collectReminders(client, events);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async run(): Promise<ReminderRun> {
    const now = this.clock.now();
    const counts = { sent: 0, alreadySent: 0, missed: 0, cancelled: 0 };
    for (;;) {
      const { rows } = await this.pool.query<DueRow>(
        `select reminder_id, kind, resource, recipient, deadline, remind_at, lead_working_days, programme_id, city, grant_id
           from reminder_deadlines where status = 'pending' and remind_at <= $1 order by remind_at, reminder_id limit 200`,
        [now],
      );
      for (const row of rows) {
        const outcome = await this.fire(row, now);
        counts[outcome] += 1;
        await this.pool.query(`update reminder_deadlines set status = $2 where reminder_id = $1 and status = 'pending'`, [row.reminder_id, outcome === 'alreadySent' ? 'sent' : outcome]);
      }
      if (rows.length < 200) return counts;
    }
  }

  private async fire(row: DueRow, now: Date): Promise<keyof ReminderRun> {
    const deadline = row.deadline.toISOString();
    if (reminderStatusAt(row.kind, { remindAt: row.remind_at.toISOString(), deadline }, now) === 'missed') return 'missed';
    if (row.kind === 'endorsement-deadline' && !(await this.endorsementsPending(row))) return 'cancelled';
    if (row.kind === 'clawback-overdue' && !(await this.markedOverdue(row))) return 'cancelled';
    return this.send(row, now);
  }

  private async endorsementsPending(row: DueRow): Promise<boolean> {
    const scope = row.recipient.scope as { code: string };
    const { rows } = await this.pool.query('select 1 from reminder_applications where programme_id = $1 and district = $2 and endorsement_pending limit 1', [row.programme_id, scope.code]);
    return rows.length > 0;
  }

  /**
   * A clawback past its due date with money outstanding is marked overdue on its grant (ClawbackOverdue,
   * once per clawback: the decider records nothing for one already overdue) before anyone is told.
   * False when nothing is outstanding any more (repaid or written off meanwhile).
   */
  private async markedOverdue(row: DueRow): Promise<boolean> {
    const grantId = row.grant_id!;
    const clawbackId = row.resource.id;
    const { state } = await this.pipeline.load(grantSpec(grantId));
    const clawback = state.status === 'none' ? undefined : state.clawbacks.find((c) => c.clawbackId === clawbackId);
    if (!clawback || !isOutstanding(clawback)) return false;
    if (clawback.status === 'overdue') return true;
    try {
      await this.pipeline.run(grantSpec(grantId), systemContext('system:reminders', `overdue-${clawbackId}`), (_, now) => ({ type: 'MarkClawbackOverdue' as const, clawbackId, now }), { retry: RETRY_ON_CONFLICT });
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Repaid, written off or closed in the meantime: nothing is overdue.
      this.log.warn({ msg: 'clawback not marked overdue', grantId, clawbackId, code: error.code });
      return false;
    }
  }

  private async send(row: DueRow, now: Date): Promise<'sent' | 'alreadySent'> {
    const event: ReminderEvent = {
      type: 'DeadlineReminderSent',
      data: {
        reminderId: row.reminder_id,
        kind: row.kind,
        recipient: row.recipient,
        resource: row.resource,
        deadline: row.deadline.toISOString(),
        leadWorkingDays: row.lead_working_days,
        remindAt: row.remind_at.toISOString(),
        programmeId: row.programme_id,
        city: row.city,
        sentAt: now.toISOString(),
      },
    };
    try {
      const result = await this.store.appendToStream(
        reminderStream(row.reminder_id),
        [
          {
            eventId: row.reminder_id,
            type: event.type,
            schemaVersion: REMINDER_EVENTS.DeadlineReminderSent.version,
            data: event.data,
            metadata: {
              actor: { userId: 'system:reminders', role: 'system', organisation: null },
              correlationId: `reminder-${row.reminder_id}`,
              causationId: null,
              effectiveAt: now.toISOString(),
              idempotencyKey: null,
              // The programme's city.
              city: row.city,
            },
          },
        ],
        { expectedRevision: 'no-stream' },
      );
      // The same event id on the same stream again is a replay: the store records nothing.
      return result.replayed ? 'alreadySent' : 'sent';
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) return 'alreadySent';
      throw error;
    }
  }
}
