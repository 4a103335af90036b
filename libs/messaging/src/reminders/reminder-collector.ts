import { Logger } from '@nestjs/common';
import { PoolClient } from 'pg';
import { EventRegistry } from '@ipstd/kernel';
import { Migration, StoredEvent, cityOf, readIfIn } from '@ipstd/platform';
import { RecordedEvent } from '@ipstd/event-store';
import { WorkingDayCalendar, WorkingDayYear, calendarOf } from '@ipstd/funding-rules';
import {
  APPLICATION_EVENTS, ApplicationEvent, PROGRAMME_EVENTS, ProgrammeEvent, SettledTerms, WORKING_DAY_CALENDAR_EVENTS, WorkingDayCalendarEvent,
} from '@ipstd/applications';
import { GRANT_EVENTS, GrantEvent, lastAcceptanceRequestAt } from '@ipstd/grants';
import {
  DEADLINE_KINDS, REMINDER_EVENTS, Recipient, ReminderEvent, ReminderKind, ReminderResource, clawbackDeadline, midTermInspectionDueAt, reminderIdFor, remindAt,
} from '../domain/reminders';

/**
 * The scheduler's own state, kept from the log by a checkpointed worker: the programmes' reminder
 * settings, what it needs to know about applications, panels and grants, and one row per reminder
 * (deadline × recipient) with its status. Every row remembers the log position that last wrote it
 * and takes only later positions, so a redelivered batch or a second instance catching up cannot
 * undo a later change (a cancelled reminder never comes back).
 */
export const REMINDER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'reminder deadlines',
    sql: `create table reminder_programmes (
            programme_id text primary key,
            city text not null,
            terms jsonb not null
          );
          create table reminder_applications (
            application_id text primary key,
            programme_id text not null,
            district text not null,
            credit_code text not null,
            endorsement_pending boolean not null,
            position bigint not null
          );
          create index reminder_applications_pending on reminder_applications (programme_id, district) where endorsement_pending;
          create table reminder_panel (
            application_id text not null,
            expert_id text not null,
            active boolean not null,
            position bigint not null,
            primary key (application_id, expert_id)
          );
          create table reminder_grants (
            grant_id text primary key,
            programme_id text not null,
            city text not null,
            credit_code text not null
          );
          create table reminder_deadlines (
            reminder_id uuid primary key,
            kind text not null,
            resource jsonb not null,
            resource_id text not null,
            recipient jsonb not null,
            recipient_key text not null,
            deadline timestamptz not null,
            remind_at timestamptz not null,
            lead_working_days integer,
            programme_id text not null,
            city text not null,
            grant_id text,
            status text not null check (status in ('pending', 'sent', 'cancelled', 'missed')),
            position bigint not null
          );
          create index reminder_deadlines_due on reminder_deadlines (remind_at) where status = 'pending';
          create index reminder_deadlines_resource on reminder_deadlines (resource_id, kind);`,
  },
  {
    version: 2,
    name: 'reminder working-day calendar',
    // The published working-day years as the log has them (latest version of each), and the year a
    // reminder's count fell back to Monday–Friday for (null: counted with the published calendar).
    sql: `create table reminder_calendar_years (
            year integer primary key,
            version integer not null,
            data jsonb not null
          );
          alter table reminder_deadlines add column calendar_missing_year integer;`,
  },
];

/** One reminder to collect, planned by the event at `position` in the log. */
interface Planned {
  readonly kind: ReminderKind;
  readonly resource: ReminderResource;
  readonly recipient: Recipient;
  readonly deadline: string;
  readonly leadWorkingDays: number | null;
  readonly programmeId: string;
  readonly city: string;
  readonly grantId?: string;
  readonly position: string;
}

type Handled = ProgrammeEvent | ApplicationEvent | GrantEvent | ReminderEvent | WorkingDayCalendarEvent;

/** The events that file an application (and plan its district's endorsement reminder): collected in runs. */
type Filing = Extract<Handled, { type: 'ApplicationSubmitted' | 'ApplicationAmended' }>;

/** An application's submission or amendment, as the reminders need it. */
interface Filed {
  readonly type: Filing['type'];
  readonly applicationId: string;
  /** The programme applied to; on a submission only (an amendment keeps the row's). */
  readonly programmeId: string | null;
  readonly district: string;
  readonly creditCode: string;
  readonly position: string;
}

/** The registries of every type the collector reads (stored type names are unique across registries). */
const HANDLED: EventRegistry<Handled> = { ...PROGRAMME_EVENTS, ...APPLICATION_EVENTS, ...GRANT_EVENTS, ...REMINDER_EVENTS, ...WORKING_DAY_CALENDAR_EVENTS };

/** The event types the collector reads (the process's subscription runner reads only declared types). */
export const COLLECTED_EVENT_TYPES: readonly Handled['type'][] = [
  'ProgrammeOpened', 'ApplicationSubmitted', 'ApplicationAmended', 'ApplicationEndorsed', 'ApplicationNotEndorsed', 'ApplicationWithdrawn',
  'ReviewPanelAssigned', 'ReviewPanelDrawn', 'ReserveExpertAssigned', 'ExpertConflictDeclared', 'ReviewScoresSubmitted', 'ReviewClosed',
  'InvitedToDefense', 'DefenseScoreSubmitted', 'ApplicationSelected', 'ApplicationNotSelected', 'PublicNoticePublished', 'PublicNoticeClosed',
  'GrantAwarded', 'MidTermInspected', 'AcceptanceRequested', 'GrantClosed', 'ClawbackOrdered', 'ClawbackOverdue', 'ClawbackSettled', 'ClawbackWrittenOff',
  'DeadlineReminderSent', 'WorkingDayYearPublished',
];

const district = (code: string): Recipient => ({ role: 'district-office', scope: { type: 'district', code } });
const expert = (id: string): Recipient => ({ role: 'expert', scope: { type: 'expert', id } });
const applicant = (creditCode: string): Recipient => ({ role: 'applicant', scope: { type: 'enterprise', creditCode } });
const cityRole = (role: 'city-bureau' | 'finance-bureau', code: string): Recipient => ({ role, scope: { type: 'city', code } });

const log = new Logger('reminder-collector');

/**
 * Applies one batch of the log to the scheduler's tables, in one transaction, leaving them as applying
 * its events one at a time would. Submissions and amendments, most of a busy call's events, are
 * collected a run at a time (see collectFiled); every other event on its own, in log order.
 */
export async function collectReminders(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
  const batch = new BatchReads(client);
  let run: Filed[] = [];
  const collectRun = async () => {
    if (run.length > 0) await collectFiled(client, batch, run);
    run = [];
  };
  for (const recorded of events) {
    const event = readIfIn(HANDLED, recorded);
    if (!event) continue;
    const position = recorded.globalPosition.toString();
    if (event.type === 'ApplicationSubmitted' || event.type === 'ApplicationAmended') {
      const filed = filedOf(event, position);
      // A run holds events of one type and each application once: its one statement writes a row once.
      if (run.length > 0 && (run[0].type !== filed.type || run.some((f) => f.applicationId === filed.applicationId))) await collectRun();
      run.push(filed);
      continue;
    }
    await collectRun();
    await new Collector(client, position, batch).apply(event);
  }
  await collectRun();
}

function filedOf(event: StoredEvent<Filing>, position: string): Filed {
  const { applicationId, profile } = event.data;
  const programmeId = event.type === 'ApplicationSubmitted' ? event.data.programmeId : null;
  return { type: event.type, applicationId, programmeId, district: profile.enterprise.district, creditCode: profile.enterprise.creditCode, position };
}

/**
 * A run of consecutive submissions, or of consecutive amendments, each of another application. Each
 * event writes its application's row (a submission inserts it, an amendment moves it to its district
 * unless a later position already wrote it) and plans the endorsement reminder of the district the row
 * then names: the run writes the rows in one statement, reads in one more the rows it did not write (a
 * redelivered submission, an amendment overtaken, an application not known), and records the
 * reminders in one insert.
 */
async function collectFiled(db: PoolClient, batch: BatchReads, run: readonly Filed[]): Promise<void> {
  type Row = { application_id: string; programme_id: string; district: string };
  const column = <K extends keyof Filed>(key: K) => run.map((f) => f[key]);
  const { rows: written } =
    run[0].type === 'ApplicationSubmitted'
      ? await db.query<Row>(
          `insert into reminder_applications (application_id, programme_id, district, credit_code, endorsement_pending, position)
           select f.application_id, f.programme_id, f.district, f.credit_code, true, f.position
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) as f(application_id, programme_id, district, credit_code, position)
           on conflict do nothing returning application_id, programme_id, district`,
          [column('applicationId'), column('programmeId'), column('district'), column('creditCode'), column('position')],
        )
      : await db.query<Row>(
          `update reminder_applications a set district = f.district, credit_code = f.credit_code, position = f.position
           from unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) as f(application_id, district, credit_code, position)
           where a.application_id = f.application_id and a.position < f.position
           returning a.application_id, a.programme_id, a.district`,
          [column('applicationId'), column('district'), column('creditCode'), column('position')],
        );
  const rows = new Map(written.map((r) => [r.application_id, r]));
  const unwritten = run.map((f) => f.applicationId).filter((id) => !rows.has(id));
  if (unwritten.length > 0) {
    const { rows: read } = await db.query<Row>('select application_id, programme_id, district from reminder_applications where application_id = any($1)', [unwritten]);
    for (const r of read) rows.set(r.application_id, r);
  }
  const planned: Planned[] = [];
  for (const filed of run) {
    const row = rows.get(filed.applicationId);
    const programme = row && (await batch.terms(row.programme_id));
    if (!row || !programme) continue;
    planned.push({
      kind: 'endorsement-deadline',
      resource: { type: 'programme', id: row.programme_id, link: `/v1/programmes/${row.programme_id}` },
      recipient: district(row.district),
      deadline: programme.terms.endorsementDeadline,
      leadWorkingDays: programme.terms.reminders.endorsement,
      programmeId: row.programme_id,
      city: programme.city,
      position: filed.position,
    });
  }
  await recordReminders(db, batch, planned);
}

/**
 * Records reminders planned by events in log order, in one statement, as recording them one by one
 * would. A reminder not in the table is inserted by the first event that plans it; a cancelled one
 * comes back (an expert assigned again) by the first event after the position that last wrote it; any
 * other is left as it is. Many events of a run plan the same reminder (their district's endorsement
 * deadline) and a statement writes a row once, so each reminder is written by that one event only,
 * chosen against the table as it stands.
 */
async function recordReminders(db: PoolClient, batch: BatchReads, planned: readonly Planned[]): Promise<void> {
  if (planned.length === 0) return;
  const calendar = await batch.calendar();
  const reminders = planned.map((p) => ({ ...p, reminderId: reminderIdFor(p.kind, p.resource, p.deadline, p.recipient), ...remindAt(calendar, p.deadline, p.leadWorkingDays) }));
  const column = <T>(value: (r: (typeof reminders)[number]) => T) => reminders.map(value);
  const { rows: written } = await db.query<{ reminder_id: string; position: string }>(
    `with planned as (
       select * from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::integer[],
                            $10::text[], $11::text[], $12::text[], $13::bigint[], $14::integer[])
         as p(reminder_id, kind, resource, resource_id, recipient, recipient_key, deadline, remind_at, lead_working_days, programme_id, city, grant_id, position, calendar_missing_year)
     )
     insert into reminder_deadlines (reminder_id, kind, resource, resource_id, recipient, recipient_key, deadline, remind_at, lead_working_days, programme_id, city, grant_id, status, position, calendar_missing_year)
     select distinct on (p.reminder_id) p.reminder_id, p.kind, p.resource, p.resource_id, p.recipient, p.recipient_key, p.deadline, p.remind_at, p.lead_working_days,
            p.programme_id, p.city, p.grant_id, 'pending', p.position, p.calendar_missing_year
     from planned p left join reminder_deadlines d on d.reminder_id = p.reminder_id
     where d.reminder_id is null or (d.status = 'cancelled' and d.position < p.position)
     order by p.reminder_id, p.position
     on conflict (reminder_id) do update set status = 'pending', position = excluded.position
     where reminder_deadlines.status = 'cancelled' and reminder_deadlines.position < excluded.position
     returning reminder_id, position`,
    [
      column((r) => r.reminderId), column((r) => r.kind), column((r) => r.resource), column((r) => r.resource.id), column((r) => r.recipient), column((r) => recipientKey(r.recipient)),
      column((r) => r.deadline), column((r) => r.at), column((r) => r.leadWorkingDays), column((r) => r.programmeId), column((r) => r.city), column((r) => r.grantId ?? null),
      column((r) => r.position), column((r) => r.missingYear),
    ],
  );
  const writers = new Set(written.map((w) => `${w.reminder_id}@${w.position}`));
  for (const r of reminders) {
    if (r.missingYear !== null && writers.has(`${r.reminderId}@${r.position}`)) {
      log.warn({
        msg: 'no working-day calendar published for a year a reminder is counted in; counted Monday–Friday until it is published',
        year: r.missingYear, reminderId: r.reminderId, kind: r.kind, deadline: r.deadline, remindAt: r.at,
      });
    }
  }
}

/**
 * What the events of one batch read again and again, read once per batch (one transaction): the
 * published working-day calendar and the programmes' reminder settings. Every write to those tables
 * in the batch drops what it changes, so later events of the batch read the table again.
 */
class BatchReads {
  private calendarRead: Promise<WorkingDayCalendar> | null = null;
  private readonly programmes = new Map<string, Promise<{ city: string; terms: SettledTerms } | null>>();

  constructor(private readonly db: PoolClient) {}

  calendar(): Promise<WorkingDayCalendar> {
    this.calendarRead ??= this.db.query<{ data: WorkingDayYear }>('select data from reminder_calendar_years').then(({ rows }) => calendarOf(rows.map((r) => r.data)));
    return this.calendarRead;
  }

  calendarChanged(): void {
    this.calendarRead = null;
  }

  terms(programmeId: string): Promise<{ city: string; terms: SettledTerms } | null> {
    let read = this.programmes.get(programmeId);
    if (!read) {
      read = this.db
        .query<{ city: string; terms: SettledTerms }>('select city, terms from reminder_programmes where programme_id = $1', [programmeId])
        .then(({ rows }) => rows[0] ?? null);
      this.programmes.set(programmeId, read);
    }
    return read;
  }

  programmeChanged(programmeId: string): void {
    this.programmes.delete(programmeId);
  }
}

class Collector {
  constructor(private readonly db: PoolClient, private readonly position: string, private readonly batch: BatchReads) {}

  async apply(event: StoredEvent<Exclude<Handled, Filing>>): Promise<void> {
    switch (event.type) {
      case 'WorkingDayYearPublished':
        return this.calendarYearPublished(event.data.year, event.data.version);
      case 'ProgrammeOpened':
        await this.db.query('insert into reminder_programmes (programme_id, city, terms) values ($1, $2, $3) on conflict do nothing', [event.data.programmeId, cityOf(event), event.data.terms]);
        this.batch.programmeChanged(event.data.programmeId);
        return;
      case 'ApplicationEndorsed':
      case 'ApplicationNotEndorsed':
        await this.endorsementSettled(event.data.applicationId);
        return;
      case 'ApplicationWithdrawn':
        await this.endorsementSettled(event.data.applicationId);
        await this.cancel(event.data.applicationId, ['review-scoring-due', 'defense-scoring-due']);
        return;
      case 'ReviewPanelAssigned':
        return this.panelSet(event.data.applicationId, event.data.experts.map((e) => e.expertId));
      case 'ReviewPanelDrawn':
        return this.panelSet(event.data.applicationId, event.data.drawn.map((e) => e.expertId));
      case 'ReserveExpertAssigned':
        await this.panelLeaves(event.data.applicationId, event.data.replaces);
        return this.panelJoins(event.data.applicationId, [event.data.expert.expertId]);
      case 'ExpertConflictDeclared':
        return this.panelLeaves(event.data.applicationId, event.data.expertId);
      case 'ReviewScoresSubmitted':
        await this.cancel(event.data.applicationId, ['review-scoring-due'], expert(event.data.expertId));
        return;
      case 'ReviewClosed':
        await this.cancel(event.data.applicationId, ['review-scoring-due']);
        return;
      case 'InvitedToDefense':
        return this.defenseOpened(event.data.applicationId);
      case 'DefenseScoreSubmitted':
        await this.cancel(event.data.applicationId, ['defense-scoring-due'], expert(event.data.expertId));
        return;
      case 'ApplicationSelected':
      case 'ApplicationNotSelected':
        await this.cancel(event.data.applicationId, ['review-scoring-due', 'defense-scoring-due']);
        return;
      case 'PublicNoticePublished':
        return this.noticePublished(event);
      case 'PublicNoticeClosed':
        await this.cancel(event.data.noticeId, ['public-notice-ending']);
        return;
      case 'GrantAwarded':
        return this.grantAwarded(event);
      case 'MidTermInspected':
        await this.cancel(event.data.grantId, ['mid-term-inspection-due']);
        return;
      case 'AcceptanceRequested':
        await this.cancel(event.data.grantId, ['mid-term-inspection-due', 'acceptance-request-due']);
        return;
      case 'GrantClosed':
        await this.cancel(event.data.grantId, ['mid-term-inspection-due', 'acceptance-request-due']);
        await this.db.query(
          `update reminder_deadlines set status = 'cancelled', position = $2 where grant_id = $1 and status = 'pending' and position < $2`,
          [event.data.grantId, this.position],
        );
        return;
      case 'ClawbackOrdered':
        return this.clawbackOrdered(event.data.grantId, event.data.clawbackId, event.data.dueDate);
      case 'ClawbackOverdue':
        await this.cancel(event.data.clawbackId, ['clawback-due']);
        return;
      case 'ClawbackSettled':
      case 'ClawbackWrittenOff':
        await this.cancel(event.data.clawbackId, ['clawback-due', 'clawback-overdue']);
        return;
      case 'DeadlineReminderSent':
        await this.db.query(`update reminder_deadlines set status = 'sent' where reminder_id = $1`, [event.data.reminderId]);
        return;
      default:
        return;
    }
  }

  private terms(programmeId: string): Promise<{ city: string; terms: SettledTerms } | null> {
    return this.batch.terms(programmeId);
  }

  private async endorsementSettled(applicationId: string): Promise<void> {
    await this.db.query('update reminder_applications set endorsement_pending = false, position = $2 where application_id = $1 and position < $2', [applicationId, this.position]);
  }

  /**
   * A (re)assigned panel: whoever is not on it any more leaves; newcomers join. Experts who stay keep
   * their scores (and so their reminder's state: cancelled once they scored).
   */
  private async panelSet(applicationId: string, expertIds: readonly string[]): Promise<void> {
    const { rows } = await this.db.query<{ expert_id: string }>('select expert_id from reminder_panel where application_id = $1 and active', [applicationId]);
    const staying = new Set(rows.map((r) => r.expert_id));
    for (const gone of staying) if (!expertIds.includes(gone)) await this.panelLeaves(applicationId, gone);
    await this.panelJoins(applicationId, expertIds.filter((id) => !staying.has(id)));
  }

  private async panelJoins(applicationId: string, expertIds: readonly string[]): Promise<void> {
    const app = await this.application(applicationId);
    for (const expertId of expertIds) {
      await this.db.query(
        `insert into reminder_panel (application_id, expert_id, active, position) values ($1, $2, true, $3)
         on conflict (application_id, expert_id) do update set active = true, position = excluded.position where reminder_panel.position < excluded.position`,
        [applicationId, expertId, this.position],
      );
      const due = app?.programme.terms.schedule.reviewScoresDueAt;
      if (app && due) {
        await this.plan({
          kind: 'review-scoring-due',
          resource: { type: 'application', id: applicationId, link: `/v1/applications/${applicationId}` },
          recipient: expert(expertId),
          deadline: due,
          leadWorkingDays: app.programme.terms.reminders.reviewScoring,
          programmeId: app.programmeId,
          city: app.programme.city,
        });
      }
    }
  }

  private async panelLeaves(applicationId: string, expertId: string): Promise<void> {
    await this.db.query('update reminder_panel set active = false, position = $3 where application_id = $1 and expert_id = $2 and position < $3', [applicationId, expertId, this.position]);
    await this.cancel(applicationId, ['review-scoring-due', 'defense-scoring-due'], expert(expertId));
  }

  private async defenseOpened(applicationId: string): Promise<void> {
    const app = await this.application(applicationId);
    const due = app?.programme.terms.schedule.defenseScoresDueAt;
    if (!app || !due) return;
    const { rows } = await this.db.query<{ expert_id: string }>('select expert_id from reminder_panel where application_id = $1 and active order by expert_id', [applicationId]);
    for (const { expert_id: expertId } of rows) {
      await this.plan({
        kind: 'defense-scoring-due',
        resource: { type: 'application', id: applicationId, link: `/v1/applications/${applicationId}` },
        recipient: expert(expertId),
        deadline: due,
        leadWorkingDays: app.programme.terms.reminders.defenseScoring,
        programmeId: app.programmeId,
        city: app.programme.city,
      });
    }
  }

  private async application(applicationId: string) {
    const { rows } = await this.db.query<{ programme_id: string }>('select programme_id from reminder_applications where application_id = $1', [applicationId]);
    const programme = rows[0] && (await this.terms(rows[0].programme_id));
    return programme ? { programmeId: rows[0].programme_id, programme } : null;
  }

  /**
   * A public notice (公示): before its last working day, the city bureau (it closes the notice and
   * settles objections) and every enterprise listed on it are reminded that the period ends.
   */
  private async noticePublished(event: Extract<ProgrammeEvent, { type: 'PublicNoticePublished' }>): Promise<void> {
    const { programmeId, noticeId, entries, endsAt } = event.data;
    const programme = await this.terms(programmeId);
    if (!programme) return;
    const resource: ReminderResource = { type: 'public-notice', id: noticeId, link: `/v1/programmes/${programmeId}/notices#${noticeId}` };
    const { rows } = await this.db.query<{ credit_code: string }>(
      'select distinct credit_code from reminder_applications where application_id = any($1) order by credit_code',
      [entries.map((e) => e.applicationId)],
    );
    const recipients = [cityRole('city-bureau', programme.city), ...rows.map((r) => applicant(r.credit_code))];
    for (const recipient of recipients) {
      await this.plan({ kind: 'public-notice-ending', resource, recipient, deadline: endsAt, leadWorkingDays: programme.terms.reminders.publicNoticeEnding, programmeId, city: programme.city });
    }
  }

  private async grantAwarded(event: Extract<StoredEvent<GrantEvent>, { type: 'GrantAwarded' }>): Promise<void> {
    const { grantId, programmeId, enterprise, implementation, acceptanceLeadMonths } = event.data;
    const city = cityOf(event)!;
    await this.db.query('insert into reminder_grants (grant_id, programme_id, city, credit_code) values ($1, $2, $3, $4) on conflict do nothing', [grantId, programmeId, city, enterprise.creditCode]);
    const programme = await this.terms(programmeId);
    if (!programme) return;
    const resource: ReminderResource = { type: 'grant', id: grantId, link: `/v1/grants/${grantId}` };
    const lastRequest = lastAcceptanceRequestAt({ implementation, acceptanceLeadMonths }).toISOString();
    await this.plan({ kind: 'acceptance-request-due', resource, recipient: applicant(enterprise.creditCode), deadline: lastRequest, leadWorkingDays: programme.terms.reminders.acceptanceRequest, programmeId, city, grantId });
    const months = programme.terms.schedule.midTermInspectionMonths;
    if (months !== null && months < implementation.months) {
      const deadline = midTermInspectionDueAt(implementation.startsAt, months);
      for (const recipient of [cityRole('city-bureau', city), applicant(enterprise.creditCode)]) {
        await this.plan({ kind: 'mid-term-inspection-due', resource, recipient, deadline, leadWorkingDays: programme.terms.reminders.midTermInspection, programmeId, city, grantId });
      }
    }
  }

  private async clawbackOrdered(grantId: string, clawbackId: string, dueDate: string): Promise<void> {
    const { rows } = await this.db.query<{ programme_id: string; city: string; credit_code: string }>('select programme_id, city, credit_code from reminder_grants where grant_id = $1', [grantId]);
    const grant = rows[0];
    const programme = grant && (await this.terms(grant.programme_id));
    if (!grant || !programme) return;
    const resource: ReminderResource = { type: 'clawback', id: clawbackId, link: `/v1/grants/${grantId}` };
    const deadline = clawbackDeadline(dueDate);
    for (const kind of ['clawback-due', 'clawback-overdue'] as const) {
      for (const role of DEADLINE_KINDS[kind].recipients) {
        const recipient = role === 'applicant' ? applicant(grant.credit_code) : cityRole('finance-bureau', grant.city);
        const leadWorkingDays = kind === 'clawback-due' ? programme.terms.reminders.clawbackDue : null;
        await this.plan({ kind, resource, recipient, deadline, leadWorkingDays, programmeId: grant.programme_id, city: grant.city, grantId });
      }
    }
  }

  /** The working-day calendar as published in the log up to this position (the `working-day-calendar` stream). */
  private calendar(): Promise<WorkingDayCalendar> {
    return this.batch.calendar();
  }

  /**
   * A year published (or a corrected version of it): every pending reminder with a lead time is
   * counted again with the calendar as it now stands, the ones that fell back to Monday–Friday
   * included. Pending reminders are few (open deadlines only), publications rare (once a year).
   */
  private async calendarYearPublished(year: WorkingDayYear, version: number): Promise<void> {
    const { rowCount } = await this.db.query(
      `insert into reminder_calendar_years (year, version, data) values ($1, $2, $3)
       on conflict (year) do update set version = excluded.version, data = excluded.data where reminder_calendar_years.version < excluded.version`,
      [year.year, version, year],
    );
    if (!rowCount) return;
    this.batch.calendarChanged();
    const calendar = await this.calendar();
    const { rows } = await this.db.query<{ reminder_id: string; deadline: Date; lead_working_days: number }>(
      `select reminder_id, deadline, lead_working_days from reminder_deadlines where status = 'pending' and lead_working_days is not null`,
    );
    for (const row of rows) {
      const { at, missingYear } = remindAt(calendar, row.deadline.toISOString(), row.lead_working_days);
      await this.db.query('update reminder_deadlines set remind_at = $2, calendar_missing_year = $3 where reminder_id = $1', [row.reminder_id, at, missingYear]);
    }
  }

  /** Records a reminder once; a later position may bring back one cancelled earlier (an expert assigned again). */
  private plan(p: Omit<Planned, 'position'>): Promise<void> {
    return recordReminders(this.db, this.batch, [{ ...p, position: this.position }]);
  }

  /** Cancels the pending reminders of these kinds about a resource (for one recipient, or all). */
  private async cancel(resourceId: string, kinds: readonly ReminderKind[], recipient?: Recipient): Promise<void> {
    await this.db.query(
      `update reminder_deadlines set status = 'cancelled', position = $3
       where resource_id = $1 and kind = any($2) and status = 'pending' and position < $3 and ($4::text is null or recipient_key = $4)`,
      [resourceId, kinds, this.position, recipient ? recipientKey(recipient) : null],
    );
  }
}

export function recipientKey(recipient: Recipient): string {
  const s = recipient.scope;
  return `${recipient.role}/${s.type === 'expert' ? s.id : s.type === 'enterprise' ? s.creditCode : s.code}`;
}
