import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsInt, IsUUID, Matches, Max, Min } from 'class-validator';
import { CREDIT_CODE_CHARACTERS } from '@ipstd/kernel';
import { RecordFactDto } from '@ipstd/applications';
import { PaymentDto } from '@ipstd/grants';
import { EnterpriseFact } from '@ipstd/applications';
import { InboundKind } from '../kafka/topics';

/**
 * `<prefix>.inbound.credit-status` (the credit platform's serious-dishonesty list, 严重失信主体名单) and
 * `<prefix>.inbound.patent-notices` (CNIPA's abnormal-patent-application notices, 非正常专利申请):
 * the body of `POST /v1/enterprises/{creditCode}/facts` without `fact` (the topic says which), plus the
 * credit code.
 */
export class InboundFactMessage extends OmitType(RecordFactDto, ['fact'] as const) {
  @ApiProperty({ example: '91320594MA1MXXXX0X' }) @Matches(CREDIT_CODE_CHARACTERS) creditCode: string;
}

/**
 * `<prefix>.inbound.treasury-payments`: the treasury's payment confirmation of an ordered tranche, the
 * body of `POST /v1/grants/{grantId}/tranches/{n}/payment` plus the grant, the tranche and the paying
 * treasury's city (a treasury confirms payments of its own city's grants only).
 */
export class TreasuryPaymentMessage extends PaymentDto {
  @ApiProperty() @IsUUID() grantId: string;
  @ApiProperty({ example: 1 }) @IsInt() @Min(1) @Max(20) trancheNo: number;
  @ApiProperty({ example: '320500', description: 'GB/T 2260 code of the paying treasury\'s city' }) @Matches(/^[1-9]\d{3}00$/) city: string;
}

export const INBOUND_MESSAGE_TYPES: Readonly<Record<InboundKind, typeof InboundFactMessage | typeof TreasuryPaymentMessage>> = {
  'credit-status': InboundFactMessage,
  'patent-notices': InboundFactMessage,
  'treasury-payments': TreasuryPaymentMessage,
};

export const FACT_OF_KIND: Readonly<Record<'credit-status' | 'patent-notices', EnterpriseFact>> = {
  'credit-status': 'serious-dishonesty',
  'patent-notices': 'abnormal-patent-application',
};
