import { ApiProperty } from '@nestjs/swagger';
import { IsExactDecimal } from '@ipstd/platform';
import { IsString, Length } from 'class-validator';

export class DefenseScoreDto {
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 72.35, description: 'points 0–100, at most two decimals: a JSON number or a decimal string ("72.35")' })
  @IsExactDecimal({ scale: 2, min: 0, max: 100 }) score: number | string;
  @ApiProperty() @IsString() @Length(0, 5000) comment: string;
}
