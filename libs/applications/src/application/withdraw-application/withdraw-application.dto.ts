import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class WithdrawApplicationDto {
  @ApiPropertyOptional({ example: '企业调整研发计划' }) @IsOptional() @IsString() @Length(1, 1000) reason?: string;
}
