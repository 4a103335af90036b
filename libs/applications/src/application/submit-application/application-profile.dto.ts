import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsString, Length, Matches, Max, Min, ValidateNested,
} from 'class-validator';
import { STANDARD_LEVELS, STANDARD_ROLES } from '../../domain';

const MAX_FEN = Number.MAX_SAFE_INTEGER;
const COUNT = 1_000_000;

export class ContactDto {
  @ApiProperty({ example: '张三' }) @IsString() @Length(1, 50) name: string;
  @ApiProperty({ example: '13800000000' }) @IsString() @Matches(/^[0-9+\-() ]{5,30}$/) phone: string;
}

export class EnterpriseDto {
  @ApiProperty({ example: '91320505MA1MXXXXXX', description: 'unified social credit code (GB 32100-2015)' })
  @IsString() @Length(18, 18) creditCode: string;
  @ApiProperty({ example: '苏州某某光电科技有限公司' }) @IsString() @Length(2, 200) name: string;
  @ApiProperty({ example: '320505', description: 'GB/T 2260 district code' }) @IsString() @Matches(/^\d{6}$/) district: string;
  @ApiProperty() @IsBoolean() independentLegalPerson: boolean;
  @ApiProperty() @ValidateNested() @Type(() => ContactDto) contact: ContactDto;
}

export class FinanceYearDto {
  @ApiProperty({ example: 2023 }) @IsInt() @Min(1990) @Max(2100) year: number;
  @ApiProperty({ example: 150000000000 }) @IsInt() @Min(0) @Max(MAX_FEN) revenueFen: number;
  @ApiProperty({ example: 12000000000, description: 'may be negative (a loss)' }) @IsInt() @Min(-MAX_FEN) @Max(MAX_FEN) netProfitFen: number;
}

export class FinanceDto {
  @ApiProperty() @IsBoolean() assetsHealthy: boolean;
  @ApiProperty({ type: [FinanceYearDto], description: 'three consecutive years' })
  @IsArray() @ValidateNested({ each: true }) @Type(() => FinanceYearDto) @ArrayMaxSize(3) years: FinanceYearDto[];
}

export class IpDto {
  @ApiProperty() @IsBoolean() managementSystem: boolean;
  @ApiProperty() @IsBoolean() department: boolean;
  @ApiProperty() @IsInt() @Min(0) @Max(COUNT) staff: number;
  @ApiProperty({ example: 62 }) @IsInt() @Min(0) @Max(COUNT) validPatents: number;
  @ApiProperty({ example: 18 }) @IsInt() @Min(0) @Max(COUNT) validInventionPatents: number;
  @ApiProperty({ example: 1 }) @IsInt() @Min(0) @Max(COUNT) pctNationalPhaseApplications: number;
}

export class StandardParticipationDto {
  @ApiProperty({ example: 'GB/T 40000-2021' }) @IsString() @Length(1, 80) code: string;
  @ApiProperty({ enum: STANDARD_LEVELS }) @IsIn(STANDARD_LEVELS) level: (typeof STANDARD_LEVELS)[number];
  @ApiProperty({ enum: STANDARD_ROLES }) @IsIn(STANDARD_ROLES) role: (typeof STANDARD_ROLES)[number];
  @ApiProperty({ example: '2021-06-01' }) @IsString() @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/) publishedOn: string;
}

export class StandardsDto {
  @ApiProperty({ example: 86 }) @IsInt() @Min(0) @Max(100) systemCoveragePercent: number;
  @ApiProperty() @IsBoolean() department: boolean;
  @ApiProperty() @IsInt() @Min(0) @Max(COUNT) staff: number;
  @ApiProperty({ type: [StandardParticipationDto] })
  @IsArray() @ValidateNested({ each: true }) @Type(() => StandardParticipationDto) @ArrayMaxSize(500) participations: StandardParticipationDto[];
}

export class QualityDto {
  @ApiProperty() @IsBoolean() qmsCertified: boolean;
  @ApiProperty() @IsInt() @Min(0) @Max(COUNT) registeredTrademarks: number;
}

export class CreditDto {
  @ApiProperty() @IsBoolean() seriousDishonesty: boolean;
  @ApiProperty() @IsBoolean() abnormalPatentApplications: boolean;
}

export class ProjectDto {
  @ApiProperty({ example: '光通信模块标准必要专利布局与转化' }) @IsString() @Length(2, 200) title: string;
  @ApiProperty() @IsString() @Length(1, 5000) summary: string;
  @ApiProperty({ example: 50000000, description: 'integer fen' }) @IsInt() @Min(1) @Max(MAX_FEN) requestedAmountFen: number;
}

/** The whole application: enterprise profile and declared indicators (004_39c6efd61937e065.txt 三). */
export class ApplicationProfileDto {
  @ApiProperty() @ValidateNested() @Type(() => EnterpriseDto) enterprise: EnterpriseDto;
  @ApiProperty() @ValidateNested() @Type(() => FinanceDto) finance: FinanceDto;
  @ApiProperty() @ValidateNested() @Type(() => IpDto) ip: IpDto;
  @ApiProperty() @ValidateNested() @Type(() => StandardsDto) standards: StandardsDto;
  @ApiProperty() @ValidateNested() @Type(() => QualityDto) quality: QualityDto;
  @ApiProperty() @ValidateNested() @Type(() => CreditDto) credit: CreditDto;
  @ApiProperty({ type: [String], example: ['jiangsu-patent-award'] })
  @IsArray() @IsString({ each: true }) @Matches(/^[a-z0-9][a-z0-9-]{1,63}$/, { each: true }) @ArrayUnique() @ArrayMaxSize(50) awards: string[];
  @ApiProperty() @ValidateNested() @Type(() => ProjectDto) project: ProjectDto;
}
