import { BilingualText, DomainEvent, EventRegistry, addMonthsShanghai, shanghaiDate, uuidV5 } from '@ipstd/kernel';
import { CalendarYearMissing, WorkingDayCalendar, nextDate, weekdaysBefore, workingDaysBefore } from '@ipstd/funding-rules';

/**
 * Deadline reminders (docs/integration.md, "Reminders"). Pure: which deadlines exist, who is told,
 * when, and the reminder's identity. The scheduler (../reminders) collects deadlines from the log and
 * appends one DeadlineReminderSent per reminder when the injected clock reaches its time.
 */

/** Who a reminder goes to, and the scope that names the recipient exactly. */
export type RecipientRole = 'district-office' | 'expert' | 'applicant' | 'city-bureau' | 'finance-bureau';
export type RecipientScope = { readonly type: 'district'; readonly code: string } | { readonly type: 'city'; readonly code: string } | { readonly type: 'expert'; readonly id: string } | { readonly type: 'enterprise'; readonly creditCode: string };
export interface Recipient {
  readonly role: RecipientRole;
  readonly scope: RecipientScope;
}

export const RESOURCE_TYPES = ['programme', 'application', 'grant', 'clawback', 'public-notice'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export interface ReminderResource {
  readonly type: ResourceType;
  readonly id: string;
  /** The API path where the recipient acts on it. */
  readonly link: string;
}

/** The call setting (ProgrammeTerms.reminders) that holds a kind's lead time in working days. */
export type LeadSetting = 'endorsement' | 'reviewScoring' | 'defenseScoring' | 'acceptanceRequest' | 'midTermInspection' | 'clawbackDue' | 'publicNoticeEnding';

/** One entry per deadline kind: adding a kind is adding an entry here and where the scheduler collects it. */
export interface DeadlineKind {
  readonly lead: LeadSetting | null;
  readonly resource: ResourceType;
  readonly recipients: readonly RecipientRole[];
  /** False: the reminder goes out before the deadline (null lead: when it has passed). */
  readonly afterDeadline: boolean;
  readonly title: BilingualText;
}

export const DEADLINE_KINDS = {
  'endorsement-deadline': {
    lead: 'endorsement',
    resource: 'programme',
    recipients: ['district-office'],
    afterDeadline: false,
    title: { zh: '推荐意见截止时间临近，本区仍有待推荐的申报', en: 'The endorsement deadline is approaching and applications in the district await endorsement' },
  },
  'review-scoring-due': {
    lead: 'reviewScoring',
    resource: 'application',
    recipients: ['expert'],
    afterDeadline: false,
    title: { zh: '专家评审评分即将截止', en: 'Review scores are due soon' },
  },
  'defense-scoring-due': {
    lead: 'defenseScoring',
    resource: 'application',
    recipients: ['expert'],
    afterDeadline: false,
    title: { zh: '答辩评分即将截止', en: 'Defense scores are due soon' },
  },
  'acceptance-request-due': {
    lead: 'acceptanceRequest',
    resource: 'grant',
    recipients: ['applicant'],
    afterDeadline: false,
    title: { zh: '结项验收申请期限临近（须在实施期结束前提出）', en: 'The last day to request final acceptance is approaching' },
  },
  'mid-term-inspection-due': {
    lead: 'midTermInspection',
    resource: 'grant',
    recipients: ['city-bureau', 'applicant'],
    afterDeadline: false,
    title: { zh: '中期检查即将到期', en: 'The mid-term inspection is due soon' },
  },
  'clawback-due': {
    lead: 'clawbackDue',
    resource: 'clawback',
    recipients: ['applicant', 'finance-bureau'],
    afterDeadline: false,
    title: { zh: '收回资金的缴回期限临近', en: 'A clawback is due soon' },
  },
  'clawback-overdue': {
    lead: null,
    resource: 'clawback',
    recipients: ['finance-bureau', 'applicant'],
    afterDeadline: true,
    title: { zh: '收回资金已逾期未缴回', en: 'A clawback is overdue' },
  },
  'public-notice-ending': {
    lead: 'publicNoticeEnding',
    resource: 'public-notice',
    recipients: ['city-bureau', 'applicant'],
    afterDeadline: false,
    title: { zh: '立项公示期即将结束（异议须在公示期内提出）', en: 'The public notice period of the proposed selections ends soon (objections only within it)' },
  },
} as const satisfies Record<string, DeadlineKind>;

export type ReminderKind = keyof typeof DEADLINE_KINDS;
export const REMINDER_KINDS = Object.keys(DEADLINE_KINDS) as ReminderKind[];

/** Reminders go out at this Asia/Shanghai wall-clock hour of the reminder day. */
export const REMINDER_HOUR_SHANGHAI = 9;

/** The Asia/Shanghai calendar date a deadline falls on: the day whose end it is (an instant at 00:00 belongs to the day before). */
export function deadlineDate(deadline: string): string {
  return shanghaiDate(new Date(Date.parse(deadline) - 1));
}

/**
 * When a reminder goes out: at 09:00 Asia/Shanghai on the working day `leadWorkingDays` working days
 * before the deadline's date, counted with the published working-day calendar (the
 * `working-day-calendar` stream: holidays skipped, make-up days counted). A kind without a lead time
 * (overdue) goes out at the deadline itself.
 *
 * A year the count reaches with no published calendar: the count falls back to the weekday rule
 * (Monday–Friday) and names that year in `missingYear`, so the caller logs a warning and counts again
 * once the year is published (ADR 0016). A reminder is never skipped for want of a calendar.
 */
export function remindAt(calendar: WorkingDayCalendar, deadline: string, leadWorkingDays: number | null): { at: string; missingYear: number | null } {
  if (leadWorkingDays === null) return { at: new Date(deadline).toISOString(), missingYear: null };
  const date = deadlineDate(deadline);
  let day: string;
  let missingYear: number | null = null;
  try {
    day = workingDaysBefore(calendar, date, leadWorkingDays);
  } catch (error) {
    if (!(error instanceof CalendarYearMissing)) throw error;
    missingYear = error.year;
    day = weekdaysBefore(date, leadWorkingDays);
  }
  return { at: new Date(`${day}T${String(REMINDER_HOUR_SHANGHAI).padStart(2, '0')}:00:00+08:00`).toISOString(), missingYear };
}

/** What the scheduler does with a due-or-not reminder at `now`. */
export function reminderStatusAt(kind: ReminderKind, at: { remindAt: string; deadline: string }, now: Date): 'wait' | 'send' | 'missed' {
  if (now.getTime() < Date.parse(at.remindAt)) return 'wait';
  if (!DEADLINE_KINDS[kind].afterDeadline && now.getTime() >= Date.parse(at.deadline)) return 'missed';
  return 'send';
}

/** The instant a clawback's due date (Asia/Shanghai calendar date) has ended: it is overdue from then. */
export function clawbackDeadline(dueDate: string): string {
  return new Date(`${nextDate(dueDate)}T00:00:00+08:00`).toISOString();
}

/** The mid-term inspection is due `months` after the implementation period starts (Asia/Shanghai calendar). */
export function midTermInspectionDueAt(startsAt: string, months: number): string {
  return addMonthsShanghai(startsAt, months).toISOString();
}

export function scopeKey(scope: RecipientScope): string {
  switch (scope.type) {
    case 'district':
    case 'city':
      return `${scope.type}:${scope.code}`;
    case 'expert':
      return `expert:${scope.id}`;
    case 'enterprise':
      return `enterprise:${scope.creditCode}`;
  }
}

/** Namespace of reminder ids (UUIDv5). Never change it: the ids of reminders already sent depend on it. */
export const REMINDER_NAMESPACE = '6f0b8a52-3c1e-5d7a-9e44-1d2b7c90a3f1';

/**
 * The reminder's id, from what makes it one reminder: kind, resource, deadline and recipient. Also the
 * id of its event and of its stream (`reminder-<id>`), so it can be recorded once only.
 */
export function reminderIdFor(kind: ReminderKind, resource: Pick<ReminderResource, 'type' | 'id'>, deadline: string, recipient: Recipient): string {
  return uuidV5(REMINDER_NAMESPACE, [kind, `${resource.type}:${resource.id}`, new Date(deadline).toISOString(), recipient.role, scopeKey(recipient.scope)].join('|'));
}

export const reminderStream = (reminderId: string): string => `reminder-${reminderId}`;

export type ReminderEvent = DomainEvent<
  'DeadlineReminderSent',
  {
    reminderId: string;
    kind: ReminderKind;
    recipient: Recipient;
    resource: ReminderResource;
    /** The deadline the reminder is about (ISO instant). */
    deadline: string;
    /** The lead time the call set for this kind, in working days; null for overdue. */
    leadWorkingDays: number | null;
    remindAt: string;
    programmeId: string;
    /** GB/T 2260 code of the programme's city. */
    city: string;
    sentAt: string;
  }
>;

export const REMINDER_EVENTS: EventRegistry<ReminderEvent> = {
  DeadlineReminderSent: { version: 1 },
};
