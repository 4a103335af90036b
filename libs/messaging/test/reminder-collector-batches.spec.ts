import { Logger } from '@nestjs/common';
import { PoolClient } from 'pg';
import { BUILT_IN_WORKING_DAY_YEARS } from '@ipstd/funding-rules';
import { RecordedEvent } from '@ipstd/event-store';
import { recordedEvents } from './recorded-events';
import { inTransaction, runMigrations } from '@ipstd/platform';
import { settleTerms } from '@ipstd/applications';
import { REMINDER_MIGRATIONS, collectReminders } from '../src/reminders/reminder-collector';
import { reminderIdFor } from '../src/domain/reminders';
import { suzhouTerms } from '../../../test/support/fixtures';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres';

/**
 * The collector writes runs of submissions and amendments in bulk: on a real PostgreSQL, the same log
 * collected in batches and one event at a time leaves the same rows and logs the same warnings, and a
 * batch of submissions costs as many queries however many it holds.
 */
describe('reminder collector, batches', () => {
  const recorded = recordedEvents();

  const id = (n: number) => `0190a4b2-0000-7000-8000-${(0xa00000 + n).toString(16).padStart(12, '0')}`;
  const published = (year: number) =>
    recorded('WorkingDayYearPublished', 1, { year: BUILT_IN_WORKING_DAY_YEARS.find((w) => w.year === year)!, version: 1, publishedAt: '2024-09-20T02:00:00.000Z', builtIn: true }, 'working-day-calendar');
  const opened = (programmeId: string, endorsementDeadline: string) =>
    recorded('ProgrammeOpened', 3, {
      programmeId, openedAt: '2024-09-20T02:00:00.000Z',
      terms: settleTerms(suzhouTerms({
        window: { opensAt: '2024-09-20T00:00:00+08:00', closesAt: '2024-09-30T23:59:59+08:00' },
        endorsementDeadline,
        reminders: { endorsement: 2 },
        schedule: { reviewScoresDueAt: '2025-03-14T23:59:59+08:00' },
      })),
    }, `programme-${programmeId}`);
  const profile = (district: string) => ({ enterprise: { district, creditCode: `91${district}MA1XXXXXX1` } });
  const submitted = (applicationId: string, programmeId: string, district: string) =>
    recorded('ApplicationSubmitted', 1, { applicationId, programmeId, submittedAt: '2024-09-21T02:00:00.000Z', profile: profile(district) }, `application-${applicationId}`);
  const amended = (applicationId: string, district: string) =>
    recorded('ApplicationAmended', 1, { applicationId, amendedAt: '2024-09-22T02:00:00.000Z', profile: profile(district) }, `application-${applicationId}`);
  const onApplication = (type: string, applicationId: string, data: object = {}) => recorded(type, 1, { applicationId, ...data }, `application-${applicationId}`);
  const panel = (applicationId: string, ...expertIds: string[]) =>
    onApplication('ReviewPanelAssigned', applicationId, { experts: expertIds.map((expertId) => ({ expertId, organisation: 'o', links: [] })), assignedAt: '2024-10-10T02:00:00.000Z' });

  const collect = (db: TestDatabase, events: readonly RecordedEvent[]) => inTransaction(db.pool, (client) => collectReminders(client, events));

  describe('the same log in batches and one event at a time', () => {
    let batched: TestDatabase;
    let oneByOne: TestDatabase;
    beforeAll(async () => {
      [batched, oneByOne] = await Promise.all([createTestDatabase('reminder_batched'), createTestDatabase('reminder_one_by_one')]);
      await Promise.all([batched, oneByOne].map((db) => runMigrations(db.pool, 'reminders', REMINDER_MIGRATIONS)));
    });
    afterAll(() => Promise.all([batched?.drop(), oneByOne?.drop()]));

    async function tables(db: TestDatabase) {
      const all = async (table: string, key: string) => (await db.pool.query(`select * from ${table} order by ${key}`)).rows;
      return {
        programmes: await all('reminder_programmes', 'programme_id'),
        applications: await all('reminder_applications', 'application_id'),
        panel: await all('reminder_panel', 'application_id, expert_id'),
        deadlines: await all('reminder_deadlines', 'reminder_id'),
        calendar: await all('reminder_calendar_years', 'year'),
      };
    }

    it('leaves the same rows and logs the same warnings', async () => {
      // A: endorsement deadline Tuesday 2024-10-08 (2024 is published only later: counted Monday–Friday,
      // with a warning, until then); B: 2024-11-20; C (last batch): 2027-01-06, a year never published.
      const [A, B, C, unknownProgramme] = [id(1), id(2), id(3), id(4)];
      const [a1, a2, a3, a4, a5, a6, a7, a8, b1, b2, b3, c1, c2, x1, neverSubmitted] = Array.from({ length: 15 }, (_, i) => id(100 + i));
      const batch1 = [
        published(2025),
        opened(A, '2024-10-08T23:59:59+08:00'),
        opened(B, '2024-11-20T23:59:59+08:00'),
        // One run of submissions: three plan the same reminder (A, 320505); x1's programme is not known.
        submitted(a1, A, '320505'), submitted(a2, A, '320505'), submitted(a8, A, '320505'), submitted(a3, A, '320506'), submitted(b1, B, '320505'),
        submitted(x1, unknownProgramme, '320505'),
        // a1 again (a duplicate in the log) cuts the run.
        submitted(a1, A, '320509'), submitted(a4, A, '320507'),
        // Amendments, a2 twice (cuts the run), one of an application never submitted.
        amended(a2, '320507'), amended(a3, '320506'), amended(a2, '320508'), amended(neverSubmitted, '320505'),
        onApplication('ApplicationEndorsed', a1, { district: '320505', opinion: 'ok', endorsedAt: '2024-10-01T02:00:00.000Z' }),
        submitted(a5, A, '320509'), submitted(a6, A, '320509'),
        onApplication('ApplicationNotEndorsed', a3, { district: '320506', opinion: 'no', declinedAt: '2024-10-01T02:00:00.000Z' }),
        onApplication('ApplicationWithdrawn', a5, { withdrawnAt: '2024-10-02T02:00:00.000Z', reason: null }),
        // e1's review reminder is cancelled, then brought back by the panel assigned again.
        panel(a1, 'e1', 'e2'),
        onApplication('ExpertConflictDeclared', a1, { expertId: 'e1', reason: 'r', declaredAt: '2024-10-11T02:00:00.000Z' }),
        panel(a1, 'e1', 'e2'),
      ];
      const batch2 = [submitted(b2, B, '320506'), submitted(b3, B, '320505'), amended(b1, '320506'), published(2024), submitted(a7, A, '320505'), amended(a4, '320505')];
      const batch4 = [opened(C, '2027-01-06T23:59:59+08:00'), submitted(c1, C, '320505'), submitted(c2, C, '320505'), amended(a6, '320505'), amended(a7, '320506')];

      const warnings = new Map<TestDatabase, unknown[]>([[batched, []], [oneByOne, []]]);
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const apply = async (events: readonly RecordedEvent[]) => {
        for (const [db, collects] of [[batched, [events]], [oneByOne, events.map((e) => [e])]] as const) {
          warn.mockClear();
          for (const batch of collects) await collect(db, batch);
          warnings.get(db)!.push(...warn.mock.calls.map(([message]) => message));
        }
      };
      // The scheduler found no endorsement pending for (A, 320505) and dropped the reminder: it keeps the position that wrote it.
      const endorsementA = reminderIdFor('endorsement-deadline', { type: 'programme', id: A }, '2024-10-08T23:59:59+08:00', { role: 'district-office', scope: { type: 'district', code: '320505' } });
      const schedulerCancels = () => Promise.all([batched, oneByOne].map((db) => db.pool.query(`update reminder_deadlines set status = 'cancelled' where reminder_id = $1 and status = 'pending'`, [endorsementA])));

      try {
        await apply(batch1);
        await apply(batch2);
        await schedulerCancels();
        // Redelivered (a worker taking over from an older checkpoint): a1 wrote the cancelled reminder and
        // leaves it; in the same run a8, the next submission planning it (a2's row moved to 320508), brings
        // it back, as one event at a time does.
        await apply(batch1);
        await apply(batch4);
      } finally {
        warn.mockRestore();
      }

      const result = await tables(batched);
      expect(result).toEqual(await tables(oneByOne));
      expect(warnings.get(batched)).toEqual(warnings.get(oneByOne));

      // The log exercised what it was meant to.
      const positionOf = (type: string, applicationId: string, nth = 0) =>
        batch1.filter((e) => e.type === type && (e.data as { applicationId: string }).applicationId === applicationId)[nth].globalPosition.toString();
      const revived = result.deadlines.find((r) => r.reminder_id === endorsementA);
      expect({ status: revived?.status, position: revived?.position }).toEqual({ status: 'pending', position: positionOf('ApplicationSubmitted', a8) });
      expect(result.deadlines.filter((r) => r.kind === 'review-scoring-due').map((r) => [r.recipient_key, r.status, r.position])).toEqual(
        expect.arrayContaining([['expert/e1', 'pending', positionOf('ReviewPanelAssigned', a1, 1)], ['expert/e2', 'pending', positionOf('ReviewPanelAssigned', a1)]]),
      );
      expect(result.applications.find((r) => r.application_id === a2)).toMatchObject({ district: '320508', position: positionOf('ApplicationAmended', a2, 1) });
      expect(result.applications.map((r) => r.application_id)).not.toContain(neverSubmitted);
      // One warning per reminder written while its year is not published, none for those left as they were.
      const warned = warnings.get(batched)!.map((w) => w as { year: number; deadline: string }).map((w) => `${w.deadline.slice(0, 10)} in ${w.year}`);
      expect(warned).toEqual([
        '2024-10-08 in 2024', '2024-10-08 in 2024', '2024-11-20 in 2024', // batch 1's first run: (A, 320505), (A, 320506), (B, 320505)
        '2024-10-08 in 2024', '2024-10-08 in 2024', '2024-10-08 in 2024', // (A, 320507) a4, (A, 320508) a2 amended, (A, 320509) a5
        '2024-11-20 in 2024', // (B, 320506) b2, before 2024 is published
        '2027-01-06 in 2027', // (C, 320505)
      ]);
    });
  });

  describe('queries', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('reminder_queries');
      await runMigrations(db.pool, 'reminders', REMINDER_MIGRATIONS);
    });
    afterAll(() => db?.drop());

    /** Collects a batch through a client that counts the queries sent. */
    async function queriesFor(events: readonly RecordedEvent[]): Promise<number> {
      let queries = 0;
      await inTransaction(db.pool, (client) => {
        const counting = new Proxy(client, {
          get: (target, property) => (property === 'query' ? (...args: Parameters<PoolClient['query']>) => (queries++, target.query(...args)) : Reflect.get(target, property)),
        });
        return collectReminders(counting, events);
      });
      return queries;
    }

    it('for a batch of submissions, and one of amendments, do not grow with its size', async () => {
      const programmeId = id(9);
      await collect(db, [published(2024), opened(programmeId, '2024-10-08T23:59:59+08:00')]);
      const submissions = (from: number, n: number) => Array.from({ length: n }, (_, i) => submitted(id(1000 + from + i), programmeId, `3205${String(i % 7).padStart(2, '0')}`));
      const amendments = (from: number, n: number) => Array.from({ length: n }, (_, i) => amended(id(1000 + from + i), `3205${String((i + 1) % 7).padStart(2, '0')}`));

      const few = await queriesFor(submissions(0, 5));
      const many = await queriesFor(submissions(5, 300));
      // The rows, the programme's terms, the calendar, the reminders.
      expect({ few, many }).toEqual({ few: 4, many: 4 });
      expect({ few: await queriesFor(amendments(0, 5)), many: await queriesFor(amendments(5, 300)) }).toEqual({ few: 4, many: 4 });
      // Redelivered, the rows are read back (one more query), not written.
      expect(await queriesFor(submissions(5, 300))).toBe(5);

      const { rows } = await db.pool.query<{ applications: string; reminders: string }>(
        `select (select count(*) from reminder_applications) as applications, (select count(*) from reminder_deadlines where kind = 'endorsement-deadline') as reminders`,
      );
      expect(rows[0]).toEqual({ applications: '305', reminders: '7' });
    });
  });
});
