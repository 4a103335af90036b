import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { FIELD_CODE } from '../expert-pool/expert.dto';

/**
 * The application profile has no 专业领域 today, so the bureau names the field the panel is drawn in
 * (docs/adr/0012-expert-pool-draw.md); it is recorded in the draw.
 */
export class DrawReviewPanelDto {
  @ApiProperty({ description: '专业领域 code the panel is drawn in', example: '0812' }) @IsString() @Matches(FIELD_CODE) field: string;
  @ApiPropertyOptional({ description: 'reserves drawn after the panel, 0–10 (default 3)' }) @IsOptional() @IsInt() @Min(0) @Max(10) reserves?: number;
  @ApiPropertyOptional({ description: 'cap on panels per expert in this call, 1–100 (default 10)' }) @IsOptional() @IsInt() @Min(1) @Max(100) maxAssignmentsPerExpert?: number;
}
