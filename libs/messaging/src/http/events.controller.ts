import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CurrentPrincipal, Principal, ProblemException, Roles } from '@ipstd/platform';
import { INTEGRATION_CONTEXTS, IntegrationContext } from '../contracts/catalog';
import { EventFeed, FeedPage } from './event-feed';

const MAX_POSITION = 2n ** 63n - 1n;

export class EventFeedQueryDto {
  @ApiPropertyOptional({ example: '0', description: 'return events after this global position (exclusive); 0 from the start' })
  @IsOptional() @Matches(/^\d{1,19}$/) after?: string;
  @ApiPropertyOptional({ example: 100, description: '1–1000, default 100' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ enum: INTEGRATION_CONTEXTS, description: "only this context's events (the Kafka topic they go to); credit: the clawback events for the credit system; audit: the log's signed checkpoints; notifications: deadline reminders" })
  @IsOptional() @IsIn(INTEGRATION_CONTEXTS) context?: IntegrationContext;
}

@ApiTags('integration')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  @Roles('auditor', 'system')
  @ApiOperation({ summary: 'The integration event feed in global order (CloudEvents, structured JSON), for systems without Kafka; auditors see their own city and every signed checkpoint' })
  async list(@Query() query: EventFeedQueryDto, @CurrentPrincipal() principal: Principal): Promise<FeedPage> {
    const after = BigInt(query.after ?? '0');
    if (after > MAX_POSITION) throw new ProblemException(HttpStatus.BAD_REQUEST, 'POSITION_OUT_OF_RANGE', { zh: 'after 超出范围', en: 'after is out of range' });
    if (principal.role === 'auditor' && !principal.city) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '审计人员的令牌缺少所属城市', en: "The auditor's token names no city" });
    }
    return this.feed.page({ after, limit: query.limit ?? 100, context: query.context, city: principal.role === 'auditor' ? principal.city! : undefined });
  }
}
