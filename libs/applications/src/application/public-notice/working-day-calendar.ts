import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BUILT_IN_WORKING_DAY_YEARS, WorkingDayCalendar, WorkingDayYear } from '@ipstd/funding-rules';
import { CommandContext, CommandPipeline, CommandResult, RETRY_ON_CONFLICT, StreamSpec, systemContext } from '@ipstd/platform';
import {
  PublishWorkingDayYear, WORKING_DAY_CALENDAR_EVENTS, WORKING_DAY_CALENDAR_STREAM, WorkingDayCalendarEvent, WorkingDayCalendarState, calendarFrom, workingDayCalendarDecider,
} from '../../domain';

const calendarSpec: StreamSpec<PublishWorkingDayYear, WorkingDayCalendarEvent, WorkingDayCalendarState> = {
  streamId: WORKING_DAY_CALENDAR_STREAM,
  decider: workingDayCalendarDecider,
  events: WORKING_DAY_CALENDAR_EVENTS,
  // The State Council's calendar: national, no city.
  city: () => null,
};

/**
 * The Chinese working-day calendar the notice period is counted with, read from its stream: the years
 * shipped with the product (2024–2026) are published at start where the stream has none; a bureau
 * publishes a further year (or a corrected one, as a new version) without a code change.
 */
@Injectable()
export class WorkingDayCalendarSource implements OnApplicationBootstrap {
  private readonly logger = new Logger('working-day-calendar');

  constructor(private readonly pipeline: CommandPipeline) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const year of BUILT_IN_WORKING_DAY_YEARS) {
      const result = await this.pipeline.run(calendarSpec, systemContext('system:working-day-calendar', `seed-working-days-${year.year}`), (_, now) => ({ type: 'PublishWorkingDayYear' as const, year, builtIn: true, now }), {
        retry: RETRY_ON_CONFLICT,
      });
      if (result.events.length) this.logger.log({ msg: 'published built-in working-day year', year: year.year });
    }
  }

  async state(): Promise<{ state: WorkingDayCalendarState; revision: bigint | null }> {
    const { state, revision } = await this.pipeline.load(calendarSpec);
    return { state, revision };
  }

  async current(): Promise<WorkingDayCalendar> {
    return calendarFrom((await this.state()).state);
  }

  publish(year: WorkingDayYear, context: CommandContext): Promise<CommandResult<WorkingDayCalendarState>> {
    return this.pipeline.run(calendarSpec, context, (_, now) => ({ type: 'PublishWorkingDayYear' as const, year, builtIn: false, now }), { retry: RETRY_ON_CONFLICT });
  }
}
