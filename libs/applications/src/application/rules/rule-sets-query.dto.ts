import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, Matches, Max, Min } from 'class-validator';

/** GET /v1/rules/rule-sets: ?id= narrows the list to one rule set. */
export class RuleSetsQueryDto {
  @ApiPropertyOptional({ example: 'suzhou-2024-ipstd' }) @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{1,63}$/) id?: string;
}

/**
 * POST /v1/rules/rule-sets/{id}/versions: a new version derived from a published one. Only what
 * changes is sent; the result is validated like a whole publication (docs/rules/README.md).
 */
export class DeriveRuleSetDto {
  @ApiProperty({ example: 1, description: 'the published version to derive from' }) @IsInt() @Min(1) @Max(999999) from!: number;
  @ApiPropertyOptional({ example: { from: '2025-06-01', to: '2025-12-31' }, description: 'when calls may be opened under the new version (YYYY-MM-DD, Asia/Shanghai; to may be null)' })
  @IsOptional() @IsObject() effective?: Record<string, unknown>;
  @ApiPropertyOptional({ example: { zh: '2025年度苏州市知识产权和标准融合计划项目', en: 'Suzhou 2025 IP and standards integration programme' } })
  @IsOptional() @IsObject() title?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'the seed file the clauses cite' }) @IsOptional() @Matches(/^[^\u0000-\u001f]{1,200}$/) source?: string;
  @ApiPropertyOptional({ example: { 'SZ24-E2': { referenceYear: 2024 } }, description: 'per clause id, the parameters to replace (merged over the clause\'s params)' })
  @IsOptional() @IsObject() params?: Record<string, unknown>;
  @ApiPropertyOptional({ description: "the evaluation index's pass mark (rule sets with an index)" }) @IsOptional() @IsInt() @Min(0) @Max(100) passMark?: number;
}
