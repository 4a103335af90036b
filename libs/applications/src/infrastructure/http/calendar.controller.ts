import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { AnyRole, CommandContext, Ctx, Roles, etagOf } from '@ipstd/platform';
import { WorkingDayYearDto } from '../../application/public-notice/public-notice.dto';
import { WorkingDayCalendarSource } from '../../application/public-notice/working-day-calendar';

@ApiTags('calendar')
@ApiBearerAuth()
@Controller('v1/calendar')
export class CalendarController {
  constructor(private readonly calendar: WorkingDayCalendarSource) {}

  @Get('working-day-years')
  @AnyRole()
  @ApiOperation({ summary: 'The published working-day calendar: per year the public holidays and make-up working days, the State Council notice and the version' })
  async list(@Res({ passthrough: true }) response: Response) {
    const { state, revision } = await this.calendar.state();
    if (revision !== null) response.setHeader('ETag', etagOf(revision));
    return { items: Object.values(state.years).sort((a, b) => a.year.year - b.year.year).map((y) => ({ ...y.year, version: y.version, publishedAt: y.publishedAt })) };
  }

  @Post('working-day-years')
  @HttpCode(201)
  @Roles('programme-admin')
  @ApiOperation({ summary: 'Publish a year of the working-day calendar (or a corrected one, as a new version); the same data again changes nothing' })
  async publish(@Body() body: WorkingDayYearDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    const result = await this.calendar.publish({ year: body.year, notice: body.notice, off: body.off, work: body.work }, context);
    const published = result.state.years[String(body.year)];
    response.setHeader('Location', `/v1/calendar/working-day-years#${body.year}`);
    response.setHeader('ETag', etagOf(result.revision));
    return { ...published.year, version: published.version, publishedAt: published.publishedAt };
  }
}
