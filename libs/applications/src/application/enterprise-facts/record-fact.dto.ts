import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, Length, Matches } from 'class-validator';
import { IsInstant } from '@ipstd/platform';
import { ENTERPRISE_FACTS, EnterpriseFact } from '../../domain';

/** POST /v1/enterprises/{creditCode}/facts: a fact another government system reports. */
export class RecordFactDto {
  @ApiProperty({ enum: ENTERPRISE_FACTS }) @IsIn(ENTERPRISE_FACTS) fact: EnterpriseFact;
  @ApiProperty({ description: 'true: the record or notice exists; false: it was lifted or withdrawn' }) @IsBoolean() present: boolean;
  @ApiProperty({ example: 'credit-china' }) @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{1,63}$/) source: string;
  @ApiProperty({ example: 'CN-2024-000123', description: "the source system's id of the record; the same source and reference twice records nothing" })
  @IsString() @Length(1, 200) reference: string;
  @ApiProperty({ example: '2024-11-05T10:00:00+08:00' }) @IsInstant() observedAt: string;
}
