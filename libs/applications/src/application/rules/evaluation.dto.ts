import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsString, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { RuleSetRefDto } from '../open-programme/open-programme.dto';
import { ContactDto, CreditDto, FinanceDto, IpDto, ProjectDto, QualityDto, StandardsDto } from '../submit-application/application-profile.dto';

export class EvaluationEnterpriseDto {
  @ApiProperty({ example: '91320505MA1MXXXXX0' }) @IsString() @Length(18, 18) creditCode: string;
  @ApiProperty() @IsBoolean() independentLegalPerson: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{6}$/) district?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateNested() @Type(() => ContactDto) contact?: ContactDto;
}

/** What the eligibility rules read: an application profile as submitted; project and contact may be left out. */
export class EvaluationProfileDto {
  @ApiProperty() @ValidateNested() @Type(() => EvaluationEnterpriseDto) enterprise: EvaluationEnterpriseDto;
  @ApiProperty() @ValidateNested() @Type(() => FinanceDto) finance: FinanceDto;
  @ApiProperty() @ValidateNested() @Type(() => IpDto) ip: IpDto;
  @ApiProperty() @ValidateNested() @Type(() => StandardsDto) standards: StandardsDto;
  @ApiProperty() @ValidateNested() @Type(() => QualityDto) quality: QualityDto;
  @ApiProperty() @ValidateNested() @Type(() => CreditDto) credit: CreditDto;
  @ApiProperty({ type: [String] }) @IsArray() @IsString({ each: true }) @ArrayUnique() @ArrayMaxSize(50) awards: string[];
  @ApiPropertyOptional() @IsOptional() @ValidateNested() @Type(() => ProjectDto) project?: ProjectDto;
}

export class EvaluationFactsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() seriousDishonesty?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() abnormalPatentApplications?: boolean;
}

/** POST /v1/rules/evaluations: what-if, recording nothing. Give a profile, or an application to take as it stood at submission. */
export class EvaluationRequestDto {
  @ApiProperty() @ValidateNested() @Type(() => RuleSetRefDto) ruleSet: RuleSetRefDto;
  @ApiPropertyOptional({ example: '2024-11-17', description: "Asia/Shanghai date the windows count back from; defaults to the application's call deadline" })
  @IsOptional() @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/) referenceDate?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateNested() @Type(() => EvaluationProfileDto) profile?: EvaluationProfileDto;
  @ApiPropertyOptional() @IsOptional() @IsUUID() applicationId?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateNested() @Type(() => EvaluationFactsDto) facts?: EvaluationFactsDto;
}
