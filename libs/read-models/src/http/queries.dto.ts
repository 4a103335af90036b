import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class ApplicationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['submitted', 'withdrawn'] }) @IsOptional() @IsIn(['submitted', 'withdrawn']) status?: string;
  @ApiPropertyOptional({ example: '320505' }) @IsOptional() @Matches(/^\d{6}$/) district?: string;
  @ApiPropertyOptional({ enum: ['eligible', 'ineligible', 'needs-review'] }) @IsOptional() @IsIn(['eligible', 'ineligible', 'needs-review']) eligibility?: string;
}

export class StreamQueryDto {
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) fromRevision?: number;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
