import type { Projection } from '@ipstd/platform';
import { ledgerProjection } from './ledger.projection';
import { statementRowsProjection, statementsProjection } from './statements.projection';

export * from './ledger.projection';
export * from './statements.projection';

/** The finance read models; the lead adds them to ALL_PROJECTIONS (libs/read-models/src/all-projections.ts). */
export const FINANCE_PROJECTIONS: readonly Projection[] = [ledgerProjection, statementsProjection, statementRowsProjection];
