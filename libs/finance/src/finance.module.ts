import { Module } from '@nestjs/common';
import { LedgerQueries } from './application/query-ledger/ledger-query';
import { ReconciliationQueries } from './application/reconcile-statement/reconciliation-query';
import { StatementImporter } from './application/import-statement/statement-import';
import { FinanceController } from './infrastructure/http/finance.controller';

/**
 * Finance: the ledger, statement import and reconciliation. Its read models are FINANCE_PROJECTIONS,
 * run by whichever process runs the projections (ALL_PROJECTIONS).
 */
@Module({
  controllers: [FinanceController],
  providers: [LedgerQueries, ReconciliationQueries, StatementImporter],
  exports: [StatementImporter],
})
export class FinanceModule {}
