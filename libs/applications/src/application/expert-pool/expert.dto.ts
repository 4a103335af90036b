import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export const EXPERT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
/** A unified social credit code (18) or an organisation code (9, 组织机构代码). */
export const ORGANISATION_CODE = /^(?:[0-9A-HJ-NPQRTUWXY]{18}|[0-9A-Z]{8}[0-9X])$/;
/** A 专业领域 code: letters, digits, dots and hyphens (e.g. GB/T 13745 学科代码 or a city's own list). */
export const FIELD_CODE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$/;
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/** An expert as registered in the city's pool; an update sends the whole record again. */
export class ExpertDto {
  @ApiProperty({ example: '张三' }) @IsString() @Length(1, 100) name: string;
  @ApiProperty({ description: "the expert's organisation: unified social credit code (18) or organisation code (9)", example: '91320500MA1X00001A' })
  @IsString() @Matches(ORGANISATION_CODE) organisation: string;
  @ApiProperty({ type: [String], description: '专业领域 codes', example: ['0812'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @IsString({ each: true }) @Matches(FIELD_CODE, { each: true }) fields: string[];
  @ApiPropertyOptional({ description: "employer's credit code when it differs from the organisation" })
  @IsOptional() @IsString() @Matches(CREDIT_CODE) employer?: string;
  @ApiPropertyOptional({ type: [String], description: 'credit codes of enterprises the expert holds shares in' })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Matches(CREDIT_CODE, { each: true }) shareholdings?: string[];
  @ApiPropertyOptional({ type: [String], description: 'credit codes of enterprises the expert applied together with earlier' })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Matches(CREDIT_CODE, { each: true }) coApplications?: string[];
}

export class RegisterExpertDto extends ExpertDto {
  @ApiProperty({ example: 'expert-0001' }) @IsString() @Matches(EXPERT_ID) expertId: string;
}

export class DeactivateExpertDto {
  @ApiProperty({ example: '退休' }) @IsString() @Length(1, 1000) reason: string;
}

export class ExpertListQueryDto {
  @ApiPropertyOptional({ description: 'only experts of this 专业领域 code' }) @IsOptional() @IsString() @Matches(FIELD_CODE) field?: string;
  @ApiPropertyOptional({ description: 'true: active only; false: deactivated only' })
  @IsOptional() @Type(() => String) @Matches(/^(true|false)$/) active?: string;
  @ApiPropertyOptional({ description: 'page size, 1–100 (default 50)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'the `next` cursor of the previous page (an expertId)' }) @IsOptional() @IsString() @Matches(EXPERT_ID) after?: string;
}

export const toBoolean = (value: string | undefined): boolean | undefined => (value === undefined ? undefined : value === 'true');
