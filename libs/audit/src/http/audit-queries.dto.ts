import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsInstant, IsPosition, PageQueryDto } from '@ipstd/platform';

/** Query parameters of the audit endpoints (GET /v1/audit/…). */
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
