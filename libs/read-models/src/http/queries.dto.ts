import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '@ipstd/platform';

export class ApplicationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['submitted', 'withdrawn'] }) @IsOptional() @IsIn(['submitted', 'withdrawn']) status?: string;
  @ApiPropertyOptional({ example: '320505' }) @IsOptional() @Matches(/^\d{6}$/) district?: string;
  @ApiPropertyOptional({ enum: ['eligible', 'ineligible', 'needs-review'] }) @IsOptional() @IsIn(['eligible', 'ineligible', 'needs-review']) eligibility?: string;
}

export const PROGRAMME_PHASES = ['not-yet-open', 'accepting', 'closed'] as const;

/** Filters of the list of calls. */
export class ProgrammesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '320500', description: 'the city (GB/T 2260) of the call' }) @IsOptional() @Matches(/^\d{6}$/) city?: string;
  @ApiPropertyOptional({ enum: PROGRAMME_PHASES, description: "where the call's window stands now" }) @IsOptional() @IsIn([...PROGRAMME_PHASES]) phase?: string;
  @ApiPropertyOptional({ example: 'suzhou-2024-ipstd', description: 'a rule-set id, or id@version' })
  @IsOptional() @MaxLength(100) @Matches(/^[a-z0-9]+(-[a-z0-9]+)*(@[1-9][0-9]{0,5})?$/) ruleSet?: string;
}

export const GRANT_STATUSES = ['awarded', 'in-implementation', 'acceptance-requested', 'accepted', 'failed', 'closed'] as const;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Filters of the list of grants. */
export class GrantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @Matches(UUID_TEXT) programmeId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @Matches(UUID_TEXT) applicationId?: string;
  @ApiPropertyOptional({ enum: GRANT_STATUSES }) @IsOptional() @IsIn([...GRANT_STATUSES]) status?: string;
  @ApiPropertyOptional({ example: '320505' }) @IsOptional() @Matches(/^\d{6}$/) district?: string;
}

/** Filters of an expert's assignments. */
export class AssignmentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @Matches(UUID_TEXT) programmeId?: string;
  @ApiPropertyOptional({ enum: ['open', 'all'], default: 'all', description: 'open: only assignments still waiting for this expert’s scores' }) @IsOptional() @IsIn(['open', 'all']) state?: string;
}
