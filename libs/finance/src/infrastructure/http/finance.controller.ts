import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { CommandContext, CommandPipeline, Ctx, CurrentPrincipal, Principal, ProblemException, Roles, StreamedBody, UuidParam, requireQueryKeys, streamedBody } from '@ipstd/platform';
import { loadOpenProgramme } from '@ipstd/applications';
import { LedgerQueries, parseMonth } from '../../application/query-ledger/ledger-query';
import { CATEGORIES, Category, RECONCILIATION_RETRY_AFTER_SECONDS, ReconciliationQueries } from '../../application/reconcile-statement/reconciliation-query';
import { STATEMENT_MAX_BYTES, StatementImporter } from '../../application/import-statement/statement-import';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const outOfScope = () =>
  new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '该数据不在您所在城市的权限范围内', en: 'This is outside your city' });

function requireCity(principal: Principal, city: string): void {
  if (!principal.city || principal.city !== city) throw outOfScope();
}

function badQuery(field: string, zh: string, en: string): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, 'QUERY_INVALID', { zh, en }, { errors: [{ field, code: 'INVALID', zh, en }] });
}

@ApiTags('finance')
@ApiBearerAuth()
@Controller('v1/finance')
export class FinanceController {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly ledger: LedgerQueries,
    private readonly reconciliations: ReconciliationQueries,
    private readonly importer: StatementImporter,
  ) {}

  @Get('ledger')
  @Roles('programme-admin', 'finance', 'auditor')
  @ApiOperation({ summary: "A programme's ledger in integer fen: totals, per month (Asia/Shanghai) and per grant; the bureau (programme admin), finance and auditors of the programme's city" })
  @ApiQuery({ name: 'programmeId', required: true })
  @ApiQuery({ name: 'period', required: false, enum: ['month'] })
  @ApiQuery({ name: 'from', required: false, description: 'first month, YYYY-MM (inclusive)' })
  @ApiQuery({ name: 'to', required: false, description: 'last month, YYYY-MM (inclusive)' })
  async getLedger(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    requireQueryKeys(query, ['programmeId', 'period', 'from', 'to']);
    const programmeId = query.programmeId;
    if (typeof programmeId !== 'string' || !UUID.test(programmeId)) throw badQuery('programmeId', 'programmeId 须为小写 UUID', 'programmeId must be a lowercase UUID');
    if (query.period !== undefined && query.period !== 'month') throw badQuery('period', 'period 目前只支持 month', "period supports only 'month'");
    const from = parseMonth('from', query.from);
    const to = parseMonth('to', query.to);
    if (from && to && from > to) throw badQuery('to', 'to 不能早于 from', 'to must not be before from');
    const programme = await loadOpenProgramme(this.pipeline, programmeId);
    requireCity(principal, programme.state.terms.city);
    return { city: programme.state.terms.city, ...(await this.ledger.programmeLedger({ programmeId, from, to })) };
  }

  @Post('statements')
  @HttpCode(201)
  @Roles('finance')
  @ApiOperation({
    summary:
      'Import a treasury/bank statement (text/csv, ≤ 10 MB; format in docs/finance.md). A file with any bad row is refused whole (422) listing every bad row. ' +
      'Idempotent by content: 201 for the upload that imported it, 200 with the same body for every later or concurrent upload of the same content by the city. ' +
      'An Idempotency-Key covers the bytes of the file: the same key with other bytes is refused (422 IDEMPOTENCY_KEY_REUSED)',
  })
  @ApiConsumes('text/csv')
  @StreamedBody(STATEMENT_MAX_BYTES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  async importStatement(@Req() request: Request, @CurrentPrincipal() principal: Principal, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    if (!principal.city) throw outOfScope();
    const type = request.headers['content-type'] ?? '';
    const [media, ...parameters] = type.split(';').map((p) => p.trim().toLowerCase());
    const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
    if (media !== 'text/csv' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
      throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', {
        zh: '对账单须以 text/csv（UTF-8）上传',
        en: 'Upload the statement as text/csv (UTF-8)',
      });
    }
    const declared = request.headers['content-length'];
    const fileName = /filename\*?=(?:UTF-8'')?"?([^";]{1,200})"?/i.exec(request.headers['content-disposition'] ?? '')?.[1] ?? null;
    try {
      const { result, created } = await this.importer.import({
        city: principal.city,
        fileName: fileName ? safeDecode(fileName) : null,
        body: streamedBody(request),
        declaredBytes: declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null,
        context,
      });
      response.setHeader('Location', `/v1/finance/reconciliations/${result.statementId}`);
      // The same content again (a retry, a double click, a concurrent upload): 200 with the first import's body.
      if (!created) response.status(HttpStatus.OK);
      return result;
    } catch (error) {
      // The rest of a refused body is not read: ask the client to close rather than reuse the connection.
      if (!request.complete) response.setHeader('Connection', 'close');
      throw error;
    }
  }

  @Get('reconciliations/:statementId')
  @Roles('finance', 'auditor')
  @ApiOperation({ summary: "A statement reconciled against the ledger: counts and totals per category, and a page of each (finance and auditors of the statement's city)" })
  @ApiQuery({ name: 'category', required: false, enum: [...CATEGORIES] })
  @ApiQuery({ name: 'limit', required: false, description: '1–500 items per category (default 100)' })
  @ApiQuery({ name: 'after', required: false, description: "the `next` cursor of the previous page (needs `category`)" })
  async reconciliation(
    @Param('statementId', UuidParam) statementId: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    requireQueryKeys(query, ['category', 'limit', 'after']);
    const category = query.category;
    if (category !== undefined && !(CATEGORIES as readonly unknown[]).includes(category)) throw badQuery('category', `category 须为 ${CATEGORIES.join('、')} 之一`, `category must be one of ${CATEGORIES.join(', ')}`);
    const limitText = query.limit ?? '100';
    const limit = typeof limitText === 'string' && /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 500)) throw badQuery('limit', 'limit 须为 1–500 的整数', 'limit must be an integer from 1 to 500');
    const after = query.after;
    if (after !== undefined && (typeof after !== 'string' || category === undefined || after.length > 64)) throw badQuery('after', 'after 须与 category 一起使用', 'after needs category');
    try {
      const header = await this.reconciliations.statement(statementId, (city) => requireCity(principal, city));
      return await this.reconciliations.reconcile(header, { category: (category as Category | undefined) ?? null, limit, after: (after as string | undefined) ?? null });
    } catch (error) {
      if (error instanceof ProblemException && error.code === 'RECONCILIATION_NOT_READY') response.setHeader('Retry-After', String(RECONCILIATION_RETRY_AFTER_SECONDS));
      throw error;
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
