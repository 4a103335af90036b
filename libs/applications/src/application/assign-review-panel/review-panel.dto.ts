import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export class PanelExpertDto {
  @ApiProperty({ example: 'expert-0001' }) @IsString() @Matches(ID) expertId: string;
  @ApiProperty({ description: "the expert's employer: a credit code or organisation code" }) @IsString() @Length(1, 100) organisation: string;
  @ApiPropertyOptional({ type: [String], description: 'credit codes of enterprises the expert is employed by or holds shares in' })
  @IsOptional() @IsArray() @IsString({ each: true }) @Length(18, 18, { each: true }) @ArrayMaxSize(100) links?: string[];
}

export class ReviewPanelDto {
  @ApiProperty({ type: [PanelExpertDto] }) @ValidateNested({ each: true }) @Type(() => PanelExpertDto) @ArrayMinSize(1) @ArrayMaxSize(25) experts: PanelExpertDto[];
}
