import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

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
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) fromRevision?: number;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

const ROLE_VALUES = ['applicant', 'district-office', 'programme-admin', 'expert', 'finance', 'auditor', 'system'];

/** Filters of a decision timeline. */
export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'EligibilityAssessed', description: 'only events of this type' }) @IsOptional() @Matches(/^[A-Za-z][A-Za-z0-9]{0,99}$/) type?: string;
  @ApiPropertyOptional({ enum: ROLE_VALUES, description: "only decisions taken in this role" }) @IsOptional() @IsIn(ROLE_VALUES) role?: string;
  @ApiPropertyOptional({ description: 'recorded at or after (ISO-8601 with offset)' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'recorded before (ISO-8601 with offset)' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

export class AsOfQueryDto {
  @ApiPropertyOptional({ example: '2024-11-17T23:59:59+08:00', description: 'the state folded from the events recorded up to this instant; now when absent' })
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
}
