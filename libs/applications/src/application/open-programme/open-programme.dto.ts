import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { IsInstant } from '@ipstd/platform';
import { AGGREGATIONS, DEFAULT_REMINDER_LEADS, MAX_REMINDER_LEAD_WORKING_DAYS, PHASE_RULES, TRANCHE_TRIGGERS } from '../../domain';

const lead = (kind: keyof typeof DEFAULT_REMINDER_LEADS, what: string) => ApiPropertyOptional({ example: DEFAULT_REMINDER_LEADS[kind], description: `working days before ${what}; default ${DEFAULT_REMINDER_LEADS[kind]}` });

/** Reminder lead times in working days (Chinese working-day calendar), 1–60 each; docs/integration.md, "Reminders". */
export class ReminderLeadTimesDto {
  @lead('endorsement', 'the endorsement deadline') @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) endorsement?: number;
  @lead('reviewScoring', 'schedule.reviewScoresDueAt') @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) reviewScoring?: number;
  @lead('defenseScoring', 'schedule.defenseScoresDueAt') @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) defenseScoring?: number;
  @lead('acceptanceRequest', 'the last day an acceptance request is accepted') @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) acceptanceRequest?: number;
  @lead('midTermInspection', 'the mid-term inspection is due') @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) midTermInspection?: number;
  @lead('clawbackDue', "a clawback's due date") @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) clawbackDue?: number;
  @lead('publicNoticeEnding', 'the last working day of a public notice (公示) period') @IsOptional() @IsInt() @Min(1) @Max(MAX_REMINDER_LEAD_WORKING_DAYS) publicNoticeEnding?: number;
}

/** The call's scoring deadlines and mid-term inspection month. */
export class CallScheduleDto {
  @ApiPropertyOptional({ example: '2024-12-06T17:00:00+08:00', description: 'experts score by then; no review-scoring reminder without it' })
  @IsOptional() @IsInstant() reviewScoresDueAt?: string;
  @ApiPropertyOptional({ example: '2024-12-20T17:00:00+08:00', description: 'defense scores are due by then; no defense-scoring reminder without it' })
  @IsOptional() @IsInstant() defenseScoresDueAt?: string;
  @ApiPropertyOptional({ example: 12, description: 'months after award the mid-term inspection is due; default half the implementation period' })
  @IsOptional() @IsInt() @Min(1) @Max(23) midTermInspectionMonths?: number;
}

export class RuleSetRefDto {
  @ApiProperty({ example: 'suzhou-2024-ipstd' }) @IsString() @Matches(/^[a-z0-9][a-z0-9-]{1,63}$/) id: string;
  @ApiProperty({ example: 1 }) @IsInt() @Min(1) @Max(10_000) version: number;
}

export class WindowDto {
  @ApiProperty({ example: '2024-10-08T00:00:00+08:00' }) @IsInstant() opensAt: string;
  @ApiProperty({ example: '2024-11-17T23:59:59+08:00' }) @IsInstant() closesAt: string;
}

export class TrancheDto {
  @ApiProperty({ example: 50 }) @IsInt() @Min(1) @Max(100) percent: number;
  @ApiProperty({ enum: TRANCHE_TRIGGERS }) @IsIn(TRANCHE_TRIGGERS) trigger: (typeof TRANCHE_TRIGGERS)[number];
}

export class CriterionDto {
  @ApiProperty({ example: 'strategy' }) @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/) id: string;
  @ApiProperty({ example: 30 }) @IsInt() @Min(1) @Max(1000) max: number;
}

export class ReviewDto {
  @ApiProperty({ example: 5 }) @IsInt() @Min(1) @Max(25) panelSize: number;
  @ApiProperty({ enum: AGGREGATIONS }) @IsIn(AGGREGATIONS) aggregation: (typeof AGGREGATIONS)[number];
  @ApiProperty({ example: 10 }) @IsInt() @Min(0) @Max(1000) defenseSize: number;
  @ApiProperty({ type: [CriterionDto] }) @ValidateNested({ each: true }) @Type(() => CriterionDto) @ArrayMinSize(1) @ArrayMaxSize(30) criteria: CriterionDto[];
}

export class PublicNoticeDto {
  @ApiProperty({ example: 5, description: 'a period in working days' }) @IsInt() @Min(1) @Max(30) workingDays: number;
}

/** POST /v1/programmes: open a programme call. */
export class OpenProgrammeDto {
  @ApiProperty({ example: 'SZ-2024-IPSTD' }) @IsString() @Matches(/^[A-Z0-9][A-Z0-9-]{2,63}$/) code: string;
  @ApiProperty({ example: '2024年度苏州市知识产权和标准融合计划项目' }) @IsString() @Length(2, 200) title: string;
  @ApiProperty({ example: '320500', description: 'GB/T 2260 city code' }) @IsString() @Matches(/^\d{6}$/) city: string;
  @ApiProperty() @ValidateNested() @Type(() => RuleSetRefDto) ruleSet: RuleSetRefDto;
  @ApiProperty() @ValidateNested() @Type(() => WindowDto) window: WindowDto;
  @ApiProperty({ example: '2024-11-20T23:59:59+08:00' }) @IsInstant() endorsementDeadline: string;
  @ApiProperty({ example: 2_000_000_000, description: 'integer fen' }) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) budgetFen: number;
  @ApiProperty({ type: [TrancheDto] }) @ValidateNested({ each: true }) @Type(() => TrancheDto) @ArrayMinSize(1) @ArrayMaxSize(10) tranchePlan: TrancheDto[];
  @ApiProperty() @ValidateNested() @Type(() => ReviewDto) review: ReviewDto;
  @ApiProperty({ example: 24 }) @IsInt() @Min(1) @Max(24) implementationMonths: number;
  @ApiProperty({ example: 3 }) @IsInt() @Min(0) @Max(23) acceptanceLeadMonths: number;
  @ApiPropertyOptional({
    type: PublicNoticeDto,
    nullable: true,
    description: 'Public notice (公示) of the proposed selections before award; absent: 5 working days; null: no notice, a selection is awarded at once',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicNoticeDto)
  publicNotice?: PublicNoticeDto | null;
  @ApiPropertyOptional({
    type: PublicNoticeDto,
    nullable: true,
    description: 'Review request (复核) window after a decision against the applicant, in working days; absent: 5; null: not offered',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicNoticeDto)
  reviewRequest?: PublicNoticeDto | null;
  @ApiPropertyOptional({ enum: PHASE_RULES, description: "'after-close' (default): review, defense and selection only after the window closes; 'rolling': while it is open" })
  @IsOptional()
  @IsIn(PHASE_RULES)
  phases?: (typeof PHASE_RULES)[number];
  @ApiPropertyOptional({ type: ReminderLeadTimesDto }) @IsOptional() @ValidateNested() @Type(() => ReminderLeadTimesDto) reminders?: ReminderLeadTimesDto;
  @ApiPropertyOptional({ type: CallScheduleDto }) @IsOptional() @ValidateNested() @Type(() => CallScheduleDto) schedule?: CallScheduleDto;
}
