import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

/** GET /v1/rules/rule-sets: ?id= narrows the list to one rule set. */
export class RuleSetsQueryDto {
  @ApiPropertyOptional({ example: 'suzhou-2024-ipstd' }) @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{1,63}$/) id?: string;
}
