import { Inject, Injectable } from '@nestjs/common';
import { IdGenerator, uuidV5 } from '@ipstd/kernel';
import { CommandContext, CommandPipeline, ID_GENERATOR, Principal } from '@ipstd/platform';
import { cityAdminPolicy, requireOwnApplication } from '../access';
import { ApplicationWritePath } from '../application-write-path';
import { WorkingDayCalendarSource } from '../public-notice/working-day-calendar';
import { ApplicationCommandResult } from '../views';

const NAMESPACE = 'a3b51f0e-2c7d-4e8a-9b61-0d4f7c2e9a15';

/**
 * Review requests (复核): the applicant asks, within the call's window of working days after a decision
 * against it (not selected, or its selection withdrawn after an upheld objection); the bureau of the
 * call's city decides. Both steps go through the application write path and are events with who,
 * when and why (ReviewRequested, ReviewRequestDecided).
 */
@Injectable()
export class ReviewRequests {
  constructor(
    private readonly writePath: ApplicationWritePath,
    private readonly pipeline: CommandPipeline,
    private readonly calendar: WorkingDayCalendarSource,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async request(applicationId: string, grounds: string, principal: Principal, context: CommandContext): Promise<ApplicationCommandResult> {
    const key = this.pipeline.storeKey(context);
    const requestId = key ? uuidV5(NAMESPACE, `review-request:${applicationId}:${key}`) : this.ids.next();
    const calendar = await this.calendar.current();
    return this.writePath.run(applicationId, principal, context, requireOwnApplication, (programme, now) => ({
      type: 'RequestReview',
      requestId,
      programme,
      grounds,
      by: { sub: principal.sub, role: principal.role },
      calendar,
      now,
    }));
  }

  decide(applicationId: string, requestId: string, body: { outcome: 'upheld' | 'dismissed'; reason: string }, principal: Principal, context: CommandContext): Promise<ApplicationCommandResult> {
    return this.writePath.run(applicationId, principal, context, cityAdminPolicy, (_, now) => ({
      type: 'DecideReviewRequest',
      requestId,
      outcome: body.outcome,
      reason: body.reason,
      by: { sub: principal.sub, role: principal.role },
      now,
    }));
  }
}
