import { CommandPipeline, readStreamEvents } from '@ipstd/platform';
import { ENTERPRISE_EVENTS, enterpriseSpec } from '@ipstd/applications';
import { CreditStanding, creditStandingOf } from '../domain';

/**
 * The credit view of the money gates: the enterprise's latest credit facts, read from its fact stream
 * (`enterprise-<creditCode>`, written by POST /v1/enterprises/{creditCode}/facts and the inbound credit
 * and patent topics) when the command is decided, inside the write path's retry loop. It is not a read
 * model: every fact appended before the read is in it. A fact appended between this read and the grant's
 * own append is not; the credit watch (CreditWatch) sees that fact in the log and suspends the grant,
 * so the window is one command and what it let through (one release order or confirmation) is followed
 * by a suspension in the grant's history (ADR 0015).
 */
export async function readCreditStanding(pipeline: CommandPipeline, creditCode: string, now: Date): Promise<CreditStanding> {
  const { recorded } = await pipeline.load(enterpriseSpec(creditCode));
  const reports = readStreamEvents(ENTERPRISE_EVENTS, recorded).map((e) => e.data);
  return creditStandingOf(creditCode, reports, now);
}
