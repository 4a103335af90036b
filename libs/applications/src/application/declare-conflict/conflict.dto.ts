import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class ConflictDto {
  @ApiProperty({ example: '曾在该企业任职' }) @IsString() @Length(1, 1000) reason: string;
}
