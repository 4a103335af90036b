import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, canonicalJson } from '@ipstd/kernel';
import { WorkingDayCalendar, WorkingDayYear, calendarOf, checkWorkingDayYear } from '@ipstd/funding-rules';

/** The one stream of published working-day years (国务院办公厅 holiday arrangements), in publishing order. */
export const WORKING_DAY_CALENDAR_STREAM = 'working-day-calendar';

export type WorkingDayCalendarEvent = DomainEvent<'WorkingDayYearPublished', { year: WorkingDayYear; version: number; publishedAt: string; builtIn: boolean }>;

export interface WorkingDayCalendarState {
  /** The latest version of each year. */
  readonly years: Readonly<Record<string, { readonly version: number; readonly year: WorkingDayYear; readonly publishedAt: string }>>;
}

export interface PublishWorkingDayYear {
  readonly type: 'PublishWorkingDayYear';
  readonly year: WorkingDayYear;
  /** The years shipped with the product are published at start, only where the stream has none. */
  readonly builtIn: boolean;
  readonly now: Date;
}

function normalised(year: WorkingDayYear): WorkingDayYear {
  return { year: year.year, notice: year.notice.trim(), off: [...new Set(year.off)].sort(), work: [...new Set(year.work)].sort() };
}

function publish(command: PublishWorkingDayYear, state: WorkingDayCalendarState): WorkingDayCalendarEvent[] {
  const problems = checkWorkingDayYear(command.year);
  if (problems.length > 0) {
    throw new DomainError(
      'WORKING_DAY_YEAR_INVALID',
      'rule',
      { zh: `工作日历数据无效：${problems.map((p) => p.zh).join('；')}`, en: `Invalid working-day calendar: ${problems.map((p) => p.en).join('; ')}` },
      { problems },
    );
  }
  const year = normalised(command.year);
  const existing = state.years[String(year.year)];
  if (existing && (command.builtIn || canonicalJson(existing.year) === canonicalJson(year))) return [];
  return [{ type: 'WorkingDayYearPublished', data: { year, version: (existing?.version ?? 0) + 1, publishedAt: command.now.toISOString(), builtIn: command.builtIn } }];
}

/** A year published again with other dates (a corrected notice) is a new version; the latest is used for new periods. */
export const workingDayCalendarDecider: Decider<PublishWorkingDayYear, WorkingDayCalendarEvent, WorkingDayCalendarState> = {
  initialState: () => ({ years: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'PublishWorkingDayYear':
        return publish(command, state);
      default:
        return assertNever(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WorkingDayYearPublished': {
        const { year, version, publishedAt } = event.data;
        return { years: { ...state.years, [String(year.year)]: { version, year, publishedAt } } };
      }
      default:
        return assertNever(event.type);
    }
  },
};

export const WORKING_DAY_CALENDAR_EVENTS: EventRegistry<WorkingDayCalendarEvent> = { WorkingDayYearPublished: { version: 1 } };

export function calendarFrom(state: WorkingDayCalendarState): WorkingDayCalendar {
  return calendarOf(Object.values(state.years).map((y) => y.year));
}
