import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsExactDecimal } from '@ipstd/platform';
import { ArrayMaxSize, ArrayMinSize, IsString, Length, Matches, ValidateNested } from 'class-validator';

export class CriterionScoreDto {
  @ApiProperty({ example: 'strategy' }) @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/) criterionId: string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 18.15, description: 'points, at most two decimals: a JSON number or a decimal string ("18.15")' })
  @IsExactDecimal({ scale: 2, min: 0, max: 1000 }) score: number | string;
}

export class ReviewScoresDto {
  @ApiProperty({ type: [CriterionScoreDto] }) @ValidateNested({ each: true }) @Type(() => CriterionScoreDto) @ArrayMinSize(1) @ArrayMaxSize(30) scores: CriterionScoreDto[];
  @ApiProperty() @IsString() @Length(0, 5000) comment: string;
}
