import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const REF = /^[A-Za-z0-9][A-Za-z0-9_.:\/-]{0,99}$/;
const FEN = Number.MAX_SAFE_INTEGER;

export class ReleaseOrderDto {
  @ApiProperty({ example: '苏市监知〔2024〕12号', description: 'number of the release order' }) @IsString() @Length(1, 100) orderNo: string;
  @ApiPropertyOptional({ description: "integer fen; defaults to the tranche's planned amount" }) @IsOptional() @IsInt() @Min(1) @Max(FEN) amountFen?: number;
}

export class PaymentDto {
  @ApiProperty({ example: 'TRE-2024-000123', description: 'treasury or bank reference' }) @IsString() @Matches(REF) reference: string;
  @ApiProperty({ example: '2024-12-20' }) @Matches(DATE) valueDate: string;
  @ApiProperty({ example: 20000000 }) @IsInt() @Min(1) @Max(FEN) amountFen: number;
}

export class TargetProgressDto {
  @ApiProperty({ example: 'SZ24-T1' }) @IsString() @Length(1, 40) targetId: string;
  @ApiProperty({ enum: ['on-track', 'at-risk', 'failing'] }) @IsIn(['on-track', 'at-risk', 'failing']) status: 'on-track' | 'at-risk' | 'failing';
  @ApiProperty() @IsString() @Length(0, 5000) findings: string;
}

export class MidTermInspectionDto {
  @ApiProperty({ type: [TargetProgressDto] }) @IsArray() @ValidateNested({ each: true }) @Type(() => TargetProgressDto) @ArrayMaxSize(100) results: TargetProgressDto[];
}

export class TargetResultDto {
  @ApiProperty({ example: 'SZ24-T1' }) @IsString() @Length(1, 40) targetId: string;
  @ApiProperty() @IsBoolean() met: boolean;
  @ApiProperty() @IsString() @Length(0, 5000) note: string;
}

export class AcceptanceDecisionDto {
  @ApiProperty({ type: [TargetResultDto] }) @IsArray() @ValidateNested({ each: true }) @Type(() => TargetResultDto) @ArrayMaxSize(100) results: TargetResultDto[];
  @ApiProperty({ enum: ['accepted', 'failed'] }) @IsIn(['accepted', 'failed']) decision: 'accepted' | 'failed';
  @ApiProperty() @IsString() @Length(0, 2000) reason: string;
}

export class EvaluationDto {
  @ApiProperty({
    description: "the unit's values for the indicators of the programme's evaluation index, keyed by each indicator's input (booleans, counts, or counts per standard level)",
    example: { standardsByLevel: { national: 2, group: 3 }, leaderStandards: 1, patentsIntoStandards: 4, ipManagementCertified: true, peopleTrained: 60 },
  })
  @IsObject() inputs: Record<string, unknown>;
}

export class ClawbackDto {
  @ApiProperty({ example: 10000000 }) @IsInt() @Min(1) @Max(FEN) amountFen: number;
  @ApiProperty({ example: '绩效目标未完成' }) @IsString() @Length(1, 2000) reason: string;
  @ApiProperty({ example: '2027-03-31' }) @Matches(DATE) dueDate: string;
}

export class RepaymentDto {
  @ApiProperty({ example: 5000000 }) @IsInt() @Min(1) @Max(FEN) amountFen: number;
  @ApiProperty({ example: 'BANK-2027-0042' }) @IsString() @Matches(REF) reference: string;
  @ApiProperty({ example: '2027-03-01' }) @Matches(DATE) valueDate: string;
}

export class ReasonDto {
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
}

export class TrancheNotDueDto {
  @ApiProperty() @IsInt() @Min(1) @Max(20) trancheNo: number;
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
}

export class ClosureDto {
  @ApiPropertyOptional({ type: [TrancheNotDueDto] }) @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => TrancheNotDueDto) @ArrayMaxSize(20) tranchesNotDue?: TrancheNotDueDto[];
}

/** POST /v1/grants/{id}/suspension/decision: the bureau's decision on a grant suspended for a credit record. */
export class SuspensionDecisionDto {
  @ApiProperty({ enum: ['continue', 'claw-back'], description: 'continue: lift the suspension; claw-back: order money back (amountFen and dueDate required)' })
  @IsIn(['continue', 'claw-back'])
  decision: 'continue' | 'claw-back';
  @ApiProperty({ example: '失信记录已修复，继续执行' }) @IsString() @Length(1, 2000) reason: string;
  @ApiPropertyOptional({ example: 10000000, description: 'claw-back: integer fen, ≤ paid − already ordered back' }) @IsOptional() @IsInt() @Min(1) @Max(FEN) amountFen?: number;
  @ApiPropertyOptional({ example: '2027-03-31', description: 'claw-back: due date (Asia/Shanghai), after today' }) @IsOptional() @Matches(DATE) dueDate?: string;
}
