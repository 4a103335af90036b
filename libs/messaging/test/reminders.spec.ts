import { BUILT_IN_WORKING_DAY_YEARS, calendarOf } from '@ipstd/funding-rules';
import { uuidV5 } from '@ipstd/kernel';
import { DEADLINE_KINDS, REMINDER_NAMESPACE, clawbackDeadline, deadlineDate, midTermInspectionDueAt, reminderIdFor, reminderStatusAt, remindAt } from '../src/domain/reminders';

const calendar = calendarOf(BUILT_IN_WORKING_DAY_YEARS);
const at = (deadline: string, lead: number | null) => remindAt(calendar, deadline, lead).at;
const district = { role: 'district-office' as const, scope: { type: 'district' as const, code: '320505' } };

describe('deadline reminders (pure)', () => {
  it('go out at 09:00 Shanghai, the lead in working days before the deadline day', () => {
    // Endorsement deadline Wednesday 2024-11-20 23:59:59 +08:00, two working days: Monday 2024-11-18 09:00 +08:00.
    expect(at('2024-11-20T15:59:59.000Z', 2)).toBe('2024-11-18T01:00:00.000Z');
    // Across the National Day holiday onto the make-up Sunday 2024-09-29.
    expect(at('2024-10-08T09:00:00.000Z', 2)).toBe('2024-09-29T01:00:00.000Z');
    // Across a weekend: Monday's deadline, one working day → the Friday before.
    expect(at('2024-11-25T10:00:00+08:00', 1)).toBe('2024-11-22T01:00:00.000Z');
    // Without a lead (overdue): at the deadline itself.
    expect(at('2025-01-01T00:00:00+08:00', null)).toBe('2024-12-31T16:00:00.000Z');
  });

  it('count with the calendar they are given, and fall back to Monday–Friday for a year not published, naming it', () => {
    // Without 2024 published, the weekday rule counts Monday 10-07 and Friday 10-04 (both in the National Day holiday) and skips the make-up Sunday.
    const without2024 = calendarOf(BUILT_IN_WORKING_DAY_YEARS.filter((y) => y.year !== 2024));
    expect(remindAt(without2024, '2024-10-08T09:00:00.000Z', 2)).toEqual({ at: '2024-10-04T01:00:00.000Z', missingYear: 2024 });
    expect(remindAt(calendar, '2024-10-08T09:00:00.000Z', 2)).toEqual({ at: '2024-09-29T01:00:00.000Z', missingYear: null });
    // A deadline early in 2027 (no calendar shipped): counted back by weekdays, 2027 named.
    expect(remindAt(calendar, '2027-01-06T23:59:59+08:00', 2)).toEqual({ at: '2027-01-04T01:00:00.000Z', missingYear: 2027 });
    expect(remindAt(without2024, '2024-10-08T09:00:00.000Z', null)).toEqual({ at: '2024-10-08T09:00:00.000Z', missingYear: null });
  });

  it('date a deadline at 00:00 Shanghai to the day that ended', () => {
    expect(deadlineDate('2025-01-01T00:00:00+08:00')).toBe('2024-12-31');
    expect(deadlineDate('2024-11-20T23:59:59+08:00')).toBe('2024-11-20');
    expect(clawbackDeadline('2024-12-31')).toBe('2024-12-31T16:00:00.000Z');
    // A clawback due 2024-12-31 with five working days: the reminder is 2024-12-24 (Tuesday), 09:00.
    expect(at(clawbackDeadline('2024-12-31'), 5)).toBe('2024-12-24T01:00:00.000Z');
  });

  it('put the mid-term inspection the given calendar months after the start', () => {
    expect(midTermInspectionDueAt('2024-08-31T02:00:00.000Z', 6)).toBe('2025-02-28T02:00:00.000Z');
  });

  it('wait until their time, are sent until the deadline, and are missed after it (overdue: sent after it)', () => {
    const at = { remindAt: '2024-11-18T01:00:00.000Z', deadline: '2024-11-20T15:59:59.000Z' };
    expect(reminderStatusAt('endorsement-deadline', at, new Date('2024-11-18T00:59:59.999Z'))).toBe('wait');
    expect(reminderStatusAt('endorsement-deadline', at, new Date('2024-11-18T01:00:00.000Z'))).toBe('send');
    expect(reminderStatusAt('endorsement-deadline', at, new Date('2024-11-20T15:59:59.000Z'))).toBe('missed');
    const overdue = { remindAt: '2024-12-31T16:00:00.000Z', deadline: '2024-12-31T16:00:00.000Z' };
    expect(reminderStatusAt('clawback-overdue', overdue, new Date('2024-12-31T15:59:59.999Z'))).toBe('wait');
    expect(reminderStatusAt('clawback-overdue', overdue, new Date('2025-03-01T00:00:00.000Z'))).toBe('send');
  });

  it('have one id per kind, resource, deadline and recipient (UUIDv5), whatever the instant notation', () => {
    const resource = { type: 'programme' as const, id: 'p-1' };
    const id = reminderIdFor('endorsement-deadline', resource, '2024-11-20T23:59:59+08:00', district);
    expect(id).toBe(uuidV5(REMINDER_NAMESPACE, 'endorsement-deadline|programme:p-1|2024-11-20T15:59:59.000Z|district-office|district:320505'));
    expect(reminderIdFor('endorsement-deadline', resource, '2024-11-20T15:59:59.000Z', district)).toBe(id);
    expect(reminderIdFor('endorsement-deadline', resource, '2024-11-21T23:59:59+08:00', district)).not.toBe(id);
    expect(reminderIdFor('endorsement-deadline', resource, '2024-11-20T23:59:59+08:00', { ...district, scope: { type: 'district', code: '320506' } })).not.toBe(id);
    expect(reminderIdFor('clawback-due', resource, '2024-11-20T23:59:59+08:00', district)).not.toBe(id);
  });

  it('declare every kind with its lead setting, resource and recipients', () => {
    expect(Object.keys(DEADLINE_KINDS)).toEqual(['endorsement-deadline', 'review-scoring-due', 'defense-scoring-due', 'acceptance-request-due', 'mid-term-inspection-due', 'clawback-due', 'clawback-overdue', 'public-notice-ending']);
    for (const [kind, spec] of Object.entries(DEADLINE_KINDS)) expect({ kind, consistent: spec.lead === null ? spec.afterDeadline : !spec.afterDeadline }).toEqual({ kind, consistent: true });
  });
});
