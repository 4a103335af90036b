import { HttpStatus } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { BilingualText, DomainError, checkCreditCode } from '@ipstd/kernel';
import { WrongExpectedRevisionError } from '@ipstd/event-store';
import { CommandContext, FieldError, ProblemException, RETRY_ON_CONFLICT, retryOnConflict, validateMessage } from '@ipstd/platform';
import { RecordEnterpriseFactCommand } from '@ipstd/applications';
import { GrantDecisionCommand } from '@ipstd/grants';
import { InboundKind } from '../kafka/topics';
import { FACT_OF_KIND, INBOUND_MESSAGE_TYPES, InboundFactMessage, TreasuryPaymentMessage } from './inbound-messages';

/** One inbound record, as the consumer hands it over. */
export interface InboundRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

export type InboundOutcome =
  | { readonly outcome: 'applied' | 'unchanged' | 'duplicate'; readonly messageId: string }
  | { readonly outcome: 'rejected'; readonly messageId: string | null; readonly rejection: Rejection };

/** Why a message cannot be processed: goes into the dead-letter record's headers. */
export interface Rejection {
  readonly code: string;
  readonly text: BilingualText;
  readonly errors?: readonly FieldError[];
}

const reject = (messageId: string | null, code: string, zh: string, en: string, errors?: FieldError[]): InboundOutcome => ({
  outcome: 'rejected',
  messageId,
  rejection: { code, text: { zh, en }, ...(errors ? { errors } : {}) },
});

/** Attempts for a race with another writer of the same stream before the message is given up. */

/**
 * Turns an inbound message into the command its REST endpoint runs, as a `system` caller named after
 * the message's CloudEvents source. The message id is the command's idempotency key, so a message
 * delivered twice appends nothing the second time.
 *
 * Messages are CloudEvents: binary mode (`ce_id`, `ce_source` headers, JSON data as the value) or
 * structured mode (`content-type: application/cloudevents+json`, the whole event as the value).
 * Anything that cannot be processed (not JSON, no id, a field invalid, refused by the domain) is
 * returned as a rejection for the dead-letter topic; infrastructure failures are thrown so that the
 * consumer retries the same message.
 */
export class InboundProcessor {
  constructor(private readonly commands: CommandBus) {}

  async process(kind: InboundKind, record: InboundRecord): Promise<InboundOutcome> {
    const envelope = parseEnvelope(record);
    if ('rejection' in envelope) return envelope.rejection;
    const { id, source, data } = envelope;
    const checked = await validateMessage<object>(INBOUND_MESSAGE_TYPES[kind], data);
    if (!checked.ok) return reject(id, 'VALIDATION_FAILED', '消息内容未通过校验', 'The message did not pass validation', checked.errors);
    const context: CommandContext = {
      actor: { userId: `inbound:${source}`, role: 'system', organisation: source },
      correlationId: record.headers['ce_correlationid'] ?? id,
      causationId: null,
      idempotencyKey: id,
      expectedRevision: null,
    };
    try {
      return { outcome: await retryOnConflict(RETRY_ON_CONFLICT, () => this.execute(kind, checked.value, context)), messageId: id };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) return { outcome: 'rejected', messageId: id, rejection: refusal };
      throw error;
    }
  }

  private async execute(kind: InboundKind, message: object, context: CommandContext): Promise<'applied' | 'unchanged' | 'duplicate'> {
    if (kind === 'treasury-payments') {
      const payment = message as TreasuryPaymentMessage;
      const result = await this.commands.execute(
        new GrantDecisionCommand(payment.grantId, context, { policy: 'treasury-city', city: payment.city }, {
          type: 'ConfirmTranchePayment',
          trancheNo: payment.trancheNo,
          reference: payment.reference,
          valueDate: payment.valueDate,
          amountFen: payment.amountFen,
        }),
      );
      return result.replayed ? 'duplicate' : 'applied';
    }
    const fact = message as InboundFactMessage;
    if (checkCreditCode(fact.creditCode)) throw new DomainError('CREDIT_CODE_INVALID', 'rule', { zh: '统一社会信用代码校验位错误', en: 'The unified social credit code fails its check character' });
    const { creditCode, ...body } = fact;
    const result = await this.commands.execute(new RecordEnterpriseFactCommand(creditCode, { ...body, fact: FACT_OF_KIND[kind] }, context));
    if (result.replayed) return 'duplicate';
    return result.recorded ? 'applied' : 'unchanged';
  }
}

function parseEnvelope(record: InboundRecord): { id: string; source: string; data: unknown } | { rejection: InboundOutcome } {
  const text = record.value?.toString('utf8') ?? '';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { rejection: reject(record.headers['ce_id'] ?? null, 'MALFORMED_JSON', '消息体不是合法的 JSON', 'The message value is not valid JSON') };
  }
  const structured = (record.headers['content-type'] ?? '').startsWith('application/cloudevents+json');
  const attributes: Record<string, unknown> = structured && body && typeof body === 'object' ? (body as Record<string, unknown>) : { id: record.headers['ce_id'], source: record.headers['ce_source'], specversion: record.headers['ce_specversion'] };
  const id = typeof attributes.id === 'string' && attributes.id.trim() !== '' && attributes.id.length <= 200 ? attributes.id : null;
  const source = typeof attributes.source === 'string' && /^[A-Za-z0-9/][A-Za-z0-9._:/~-]{0,199}$/.test(attributes.source) ? attributes.source : null;
  if (!id) return { rejection: reject(null, 'MESSAGE_ID_MISSING', '缺少消息 ID（CloudEvents id）', 'The CloudEvents id is missing') };
  if (!source) return { rejection: reject(id, 'MESSAGE_SOURCE_MISSING', '缺少或无效的消息来源（CloudEvents source）', 'The CloudEvents source is missing or malformed') };
  if (attributes.specversion !== '1.0') return { rejection: reject(id, 'CLOUDEVENTS_VERSION_UNSUPPORTED', '仅支持 CloudEvents 1.0', 'Only CloudEvents 1.0 is supported') };
  return { id, source, data: structured ? (body as Record<string, unknown>).data : body };
}

/** A refusal that retrying cannot change: a domain rule, a missing aggregate, a scope check. */
function refusalOf(error: unknown): Rejection | null {
  if (error instanceof DomainError) return { code: error.code, text: error.text };
  if (error instanceof ProblemException && error.status >= HttpStatus.BAD_REQUEST && error.status < HttpStatus.INTERNAL_SERVER_ERROR) return { code: error.code, text: error.text };
  if (error instanceof WrongExpectedRevisionError) return { code: 'CONCURRENT_UPDATE', text: { zh: '多次重试后仍与其他写入冲突', en: 'Kept conflicting with other writers after retries' } };
  return null;
}
