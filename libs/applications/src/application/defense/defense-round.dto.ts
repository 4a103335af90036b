import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class DefenseRoundDto {
  @ApiPropertyOptional({ description: "how many to invite; defaults to the call's defenseSize" }) @IsOptional() @IsInt() @Min(1) @Max(1000) size?: number;
}
