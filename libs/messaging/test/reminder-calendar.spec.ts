import { Logger } from '@nestjs/common';
import { BUILT_IN_WORKING_DAY_YEARS } from '@ipstd/funding-rules';
import { RecordedEvent } from '@ipstd/event-store';
import { recordedEvents } from './recorded-events';
import { inTransaction, runMigrations } from '@ipstd/platform';
import { settleTerms } from '@ipstd/applications';
import { REMINDER_MIGRATIONS, collectReminders } from '../src/reminders/reminder-collector';
import { suzhouTerms } from '../../../test/support/fixtures';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres';

/**
 * The collector counts each reminder on the working-day calendar as published in the log before it,
 * on a real PostgreSQL: a year not published falls back to Monday–Friday (a warning, the year
 * recorded on the row), and publishing the year counts the pending reminder again.
 */
describe('reminder collector and the published working-day calendar', () => {
  let db: TestDatabase;
  const programmeId = '0190a4b2-0000-7000-8000-0000000000c1';
  const applicationId = '0190a4b2-0000-7000-8000-0000000000c2';
  const year = (y: number) => BUILT_IN_WORKING_DAY_YEARS.find((w) => w.year === y)!;

  const recorded = recordedEvents();
  const published = (y: number, version = 1) => recorded('WorkingDayYearPublished', 1, { year: year(y), version, publishedAt: '2024-09-20T02:00:00.000Z', builtIn: true }, 'working-day-calendar');
  const collect = (events: RecordedEvent[]) => inTransaction(db.pool, (client) => collectReminders(client, events));
  const rows = async () =>
    (await db.pool.query<{ kind: string; remind_at: Date; calendar_missing_year: number | null }>('select kind, remind_at, calendar_missing_year from reminder_deadlines order by kind')).rows.map((r) => ({
      kind: r.kind, remindAt: r.remind_at.toISOString(), missingYear: r.calendar_missing_year,
    }));

  beforeAll(async () => {
    db = await createTestDatabase('reminder_calendar');
    await runMigrations(db.pool, 'reminders', REMINDER_MIGRATIONS);
  });
  afterAll(() => db?.drop());

  it('falls back to Monday–Friday with a warning for a year not published, and counts again when it is', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    // Endorsement deadline Tuesday 2024-10-08 (after National Day), two working days' lead; only 2025 is published yet.
    const terms = settleTerms(suzhouTerms({
      window: { opensAt: '2024-09-20T00:00:00+08:00', closesAt: '2024-09-30T23:59:59+08:00' },
      endorsementDeadline: '2024-10-08T23:59:59+08:00',
      reminders: { endorsement: 2 },
    }));
    await collect([
      published(2025),
      recorded('ProgrammeOpened', 3, { programmeId, openedAt: '2024-09-20T02:00:00.000Z', terms }, `programme-${programmeId}`),
      recorded('ApplicationSubmitted', 1, { applicationId, programmeId, profile: { enterprise: { district: '320505', creditCode: '91320505MA1XXXXXX1' } } }, `application-${applicationId}`),
    ]);
    // Monday–Friday: Monday 10-07 and Friday 10-04 (both in the holiday), 09:00 Shanghai.
    expect(await rows()).toEqual([{ kind: 'endorsement-deadline', remindAt: '2024-10-04T01:00:00.000Z', missingYear: 2024 }]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ year: 2024, kind: 'endorsement-deadline' }));
    warn.mockRestore();

    // 2024 published: Monday 09-30 and the make-up Sunday 09-29.
    const publish2024 = published(2024);
    await collect([publish2024]);
    expect(await rows()).toEqual([{ kind: 'endorsement-deadline', remindAt: '2024-09-29T01:00:00.000Z', missingYear: null }]);

    // Redelivered, the same publication changes nothing.
    await collect([publish2024]);
    expect(await rows()).toEqual([{ kind: 'endorsement-deadline', remindAt: '2024-09-29T01:00:00.000Z', missingYear: null }]);
  });
});
