import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsExactDecimal } from '@ipstd/platform';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export class EndorsementDto {
  @ApiProperty({ enum: ['endorse', 'decline'] }) @IsIn(['endorse', 'decline']) decision: 'endorse' | 'decline';
  @ApiProperty({ example: '材料齐全，同意推荐' }) @IsString() @Length(1, 2000) opinion: string;
}

export class PanelExpertDto {
  @ApiProperty({ example: 'expert-0001' }) @IsString() @Matches(ID) expertId: string;
  @ApiProperty({ description: "the expert's employer: a credit code or organisation code" }) @IsString() @Length(1, 100) organisation: string;
  @ApiPropertyOptional({ type: [String], description: 'credit codes of enterprises the expert is employed by or holds shares in' })
  @IsOptional() @IsArray() @IsString({ each: true }) @Length(18, 18, { each: true }) @ArrayMaxSize(100) links?: string[];
}

export class ReviewPanelDto {
  @ApiProperty({ type: [PanelExpertDto] }) @ValidateNested({ each: true }) @Type(() => PanelExpertDto) @ArrayMinSize(1) @ArrayMaxSize(25) experts: PanelExpertDto[];
}

export class ConflictDto {
  @ApiProperty({ example: '曾在该企业任职' }) @IsString() @Length(1, 1000) reason: string;
}

export class CriterionScoreDto {
  @ApiProperty({ example: 'strategy' }) @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/) criterionId: string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 18.15, description: 'points, at most two decimals: a JSON number or a decimal string ("18.15")' })
  @IsExactDecimal({ scale: 2, min: 0, max: 1000 }) score: number | string;
}

export class ReviewScoresDto {
  @ApiProperty({ type: [CriterionScoreDto] }) @ValidateNested({ each: true }) @Type(() => CriterionScoreDto) @ArrayMinSize(1) @ArrayMaxSize(30) scores: CriterionScoreDto[];
  @ApiProperty() @IsString() @Length(0, 5000) comment: string;
}

export class DefenseScoreDto {
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 72.35, description: 'points 0–100, at most two decimals: a JSON number or a decimal string ("72.35")' })
  @IsExactDecimal({ scale: 2, min: 0, max: 100 }) score: number | string;
  @ApiProperty() @IsString() @Length(0, 5000) comment: string;
}

export class DefenseRoundDto {
  @ApiPropertyOptional({ description: "how many to invite; defaults to the call's defenseSize" }) @IsOptional() @IsInt() @Min(1) @Max(1000) size?: number;
}

