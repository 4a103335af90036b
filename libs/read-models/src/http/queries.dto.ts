import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsInstant, IsPosition } from '@ipstd/platform';

export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class ApplicationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['submitted', 'withdrawn'] }) @IsOptional() @IsIn(['submitted', 'withdrawn']) status?: string;
  @ApiPropertyOptional({ example: '320505' }) @IsOptional() @Matches(/^\d{6}$/) district?: string;
  @ApiPropertyOptional({ enum: ['eligible', 'ineligible', 'needs-review'] }) @IsOptional() @IsIn(['eligible', 'ineligible', 'needs-review']) eligibility?: string;
}

export class StreamQueryDto {
  @ApiPropertyOptional({ default: '0', type: String, pattern: '^(0|[1-9][0-9]{0,18})$', description: 'a revision, 0 … 2^63−1 in digits' }) @IsOptional() @IsPosition() fromRevision?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

const ROLE_VALUES = ['applicant', 'district-office', 'programme-admin', 'expert', 'finance', 'auditor', 'system'];

/** Filters of a decision timeline. */
export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'EligibilityAssessed', description: 'only events of this type' }) @IsOptional() @Matches(/^[A-Za-z][A-Za-z0-9]{0,99}$/) type?: string;
  @ApiPropertyOptional({ enum: ROLE_VALUES, description: "only decisions taken in this role" }) @IsOptional() @IsIn(ROLE_VALUES) role?: string;
  @ApiPropertyOptional({ example: '2024-11-01T00:00:00+08:00', description: 'recorded at or after (RFC 3339 instant with seconds and offset)' }) @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ example: '2024-12-01T00:00:00+08:00', description: 'recorded before (RFC 3339 instant with seconds and offset)' }) @IsOptional() @IsInstant() to?: string;
}

export class AsOfQueryDto {
  @ApiPropertyOptional({ example: '2024-11-17T23:59:59+08:00', description: 'the state folded from the events recorded up to this instant; now when absent' })
  @IsOptional() @IsInstant() asOf?: string;
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
