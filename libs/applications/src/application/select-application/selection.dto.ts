import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { SelectionDecision } from './select-application.handler';

export class SelectionDto {
  @ApiProperty({ enum: ['select', 'reject'] }) @IsIn(['select', 'reject']) decision: 'select' | 'reject';
  @ApiPropertyOptional({ example: 40000000, description: 'integer fen; required to select' }) @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) approvedAmountFen?: number;
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
  @ApiPropertyOptional({ description: 'required, with a reason, to select an application assessed ineligible' }) @IsOptional() @IsString() @Length(1, 2000) eligibilityOverride?: string;
  @ApiPropertyOptional({ example: '第三批', description: 'designation batch, for programmes that designate in batches (Rizhao pilot enterprises)' }) @IsOptional() @IsString() @Length(1, 100) batch?: string;
}

/** The validated body as the command's plain data. */
export function selectionDecisionOf(body: SelectionDto): SelectionDecision {
  return {
    decision: body.decision,
    approvedAmountFen: body.approvedAmountFen ?? null,
    reason: body.reason,
    eligibilityOverride: body.eligibilityOverride ?? null,
    batch: body.batch ?? null,
  };
}
