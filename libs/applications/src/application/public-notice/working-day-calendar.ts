import { Injectable } from '@nestjs/common';
import { BUILT_IN_WORKING_DAY_YEARS, WorkingDayCalendar, calendarOf } from '@ipstd/funding-rules';

/**
 * The Chinese working-day calendar the notice period is counted with: the years shipped with the
 * product (2024–2026, each with the State Council General Office notice it comes from).
 */
@Injectable()
export class WorkingDayCalendarSource {
  async current(): Promise<WorkingDayCalendar> {
    return calendarOf(BUILT_IN_WORKING_DAY_YEARS);
  }
}
