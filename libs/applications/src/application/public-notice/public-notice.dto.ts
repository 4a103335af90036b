import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';

export class ObjectorDto {
  @ApiProperty({ example: '王某', description: "the objector's real name (实名)" }) @IsString() @Length(1, 100) name: string;
  @ApiProperty({ example: '13800000000', description: 'how the bureau can reach the objector' }) @IsString() @Length(3, 200) contact: string;
}

/** POST /v1/programmes/{programmeId}/objections: a real-name objection (异议) against one listed application. */
export class FileObjectionDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() applicationId: string;
  @ApiProperty({ type: ObjectorDto }) @IsObject() @ValidateNested() @Type(() => ObjectorDto) objector: ObjectorDto;
  @ApiProperty({ example: '申报材料中的标准项目并非该企业主导制定' }) @IsString() @Length(1, 4000) grounds: string;
  @ApiPropertyOptional({ enum: ['online', 'written'], description: "'written': the bureau records a written objection it received (programme-admin only); default 'online'" })
  @IsOptional()
  @IsIn(['online', 'written'])
  channel?: 'online' | 'written';
}

/** POST /v1/programmes/{programmeId}/objections/{objectionId}/decision */
export class ResolveObjectionDto {
  @ApiProperty({ enum: ['upheld', 'dismissed'] }) @IsIn(['upheld', 'dismissed']) outcome: 'upheld' | 'dismissed';
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
}

/** POST /v1/calendar/working-day-years: one year of the Chinese working-day calendar. */
export class WorkingDayYearDto {
  @ApiProperty({ example: 2027 }) @IsInt() @Min(2000) @Max(2100) year: number;
  @ApiProperty({ example: '国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）', description: 'the State Council General Office notice, with its number' })
  @IsString()
  @Length(4, 300)
  notice: string;
  @ApiProperty({ type: [String], example: ['2027-01-01'], description: 'public holidays (YYYY-MM-DD)' }) @IsArray() @ArrayMaxSize(80) @IsString({ each: true }) off: string[];
  @ApiProperty({ type: [String], example: ['2027-02-07'], description: 'make-up working days: weekend days worked (YYYY-MM-DD)' }) @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) work: string[];
}

/** POST /v1/applications/{applicationId}/review-requests */
export class ReviewRequestDto {
  @ApiProperty({ example: '评审未考虑本企业主导制定的两项国家标准' }) @IsString() @Length(1, 4000) grounds: string;
}

/** POST /v1/applications/{applicationId}/review-requests/{requestId}/decision */
export class ReviewRequestDecisionDto {
  @ApiProperty({ enum: ['upheld', 'dismissed'] }) @IsIn(['upheld', 'dismissed']) outcome: 'upheld' | 'dismissed';
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
}
