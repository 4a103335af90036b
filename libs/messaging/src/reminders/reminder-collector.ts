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

/** One reminder to collect. */
interface Planned {
  readonly kind: ReminderKind;
  readonly resource: ReminderResource;
  readonly recipient: Recipient;
  readonly deadline: string;
  readonly leadWorkingDays: number | null;
  readonly programmeId: string;
  readonly city: string;
  readonly grantId?: string;
}

type Handled = ProgrammeEvent | ApplicationEvent | GrantEvent | ReminderEvent | WorkingDayCalendarEvent;

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

/** Applies one batch of the log to the scheduler's tables, in one transaction. */
export async function collectReminders(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
  const batch = new BatchReads(client);
  for (const recorded of events) {
    const event = readIfIn(HANDLED, recorded);
    if (!event) continue;
    await new Collector(client, recorded.globalPosition.toString(), batch).apply(event);
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

  async apply(event: StoredEvent<Handled>): Promise<void> {
    switch (event.type) {
      case 'WorkingDayYearPublished':
        return this.calendarYearPublished(event.data.year, event.data.version);
      case 'ProgrammeOpened':
        await this.db.query('insert into reminder_programmes (programme_id, city, terms) values ($1, $2, $3) on conflict do nothing', [event.data.programmeId, cityOf(event), event.data.terms]);
        this.batch.programmeChanged(event.data.programmeId);
        return;
      case 'ApplicationSubmitted':
      case 'ApplicationAmended':
        return this.applicationFiled(event.data.applicationId, event.type === 'ApplicationSubmitted' ? event.data.programmeId : null, event.data.profile.enterprise.district, event.data.profile.enterprise.creditCode);
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

  private async applicationFiled(applicationId: string, programmeId: string | null, districtCode: string, creditCode: string): Promise<void> {
    // The row as it stands after this event: the one written here, or (a redelivered submission, or an
    // amendment that a later position already overtook) the one the table holds.
    let rows: Array<{ programme_id: string; district: string }> = [];
    if (programmeId) {
      ({ rows } = await this.db.query<{ programme_id: string; district: string }>(
        `insert into reminder_applications (application_id, programme_id, district, credit_code, endorsement_pending, position) values ($1, $2, $3, $4, true, $5)
         on conflict do nothing returning programme_id, district`,
        [applicationId, programmeId, districtCode, creditCode, this.position],
      ));
    } else {
      await this.db.query('update reminder_applications set district = $2, credit_code = $3, position = $4 where application_id = $1 and position < $4', [applicationId, districtCode, creditCode, this.position]);
    }
    if (rows.length === 0) {
      ({ rows } = await this.db.query<{ programme_id: string; district: string }>('select programme_id, district from reminder_applications where application_id = $1', [applicationId]));
    }
    const programme = rows[0] && (await this.terms(rows[0].programme_id));
    if (!programme) return;
    await this.plan({
      kind: 'endorsement-deadline',
      resource: { type: 'programme', id: rows[0].programme_id, link: `/v1/programmes/${rows[0].programme_id}` },
      recipient: district(rows[0].district),
      deadline: programme.terms.endorsementDeadline,
      leadWorkingDays: programme.terms.reminders.endorsement,
      programmeId: rows[0].programme_id,
      city: programme.city,
    });
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
  private async plan(p: Planned): Promise<void> {
    const reminderId = reminderIdFor(p.kind, p.resource, p.deadline, p.recipient);
    const { at, missingYear } = remindAt(await this.calendar(), p.deadline, p.leadWorkingDays);
    const { rowCount } = await this.db.query(
      `insert into reminder_deadlines (reminder_id, kind, resource, resource_id, recipient, recipient_key, deadline, remind_at, lead_working_days, programme_id, city, grant_id, status, position, calendar_missing_year)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14)
       on conflict (reminder_id) do update set status = 'pending', position = excluded.position
       where reminder_deadlines.status = 'cancelled' and reminder_deadlines.position < excluded.position`,
      [
        reminderId, p.kind, p.resource, p.resource.id, p.recipient, recipientKey(p.recipient), p.deadline, at, p.leadWorkingDays,
        p.programmeId, p.city, p.grantId ?? null, this.position, missingYear,
      ],
    );
    if (rowCount && missingYear !== null) {
      log.warn({
        msg: 'no working-day calendar published for a year a reminder is counted in; counted Monday–Friday until it is published',
        year: missingYear, reminderId, kind: p.kind, deadline: p.deadline, remindAt: at,
      });
    }
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
