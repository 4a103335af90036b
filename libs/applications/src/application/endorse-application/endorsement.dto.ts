import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';

export class EndorsementDto {
  @ApiProperty({ enum: ['endorse', 'decline'] }) @IsIn(['endorse', 'decline']) decision: 'endorse' | 'decline';
  @ApiProperty({ example: '材料齐全，同意推荐' }) @IsString() @Length(1, 2000) opinion: string;
}
