import { IntegrationContext } from '../contracts/catalog';

/** The inbound topics other systems produce to, and what each carries. */
export const INBOUND_KINDS = ['credit-status', 'patent-notices', 'treasury-payments'] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

export interface Topics {
  readonly outbound: Readonly<Record<IntegrationContext, string>>;
  readonly inbound: Readonly<Record<InboundKind, string>>;
  readonly deadLetter: string;
}

/** Topic names under a prefix (KAFKA_TOPIC_PREFIX, default `ipstd`); docs/integration.md lists them. */
export function topicsFor(prefix: string): Topics {
  return {
    outbound: { applications: `${prefix}.applications`, grants: `${prefix}.grants`, finance: `${prefix}.finance`, credit: `${prefix}.credit`, audit: `${prefix}.audit`, notifications: `${prefix}.notifications` },
    inbound: {
      'credit-status': `${prefix}.inbound.credit-status`,
      'patent-notices': `${prefix}.inbound.patent-notices`,
      'treasury-payments': `${prefix}.inbound.treasury-payments`,
    },
    deadLetter: `${prefix}.inbound.dead-letter`,
  };
}

export function inboundKindOf(topics: Topics, topic: string): InboundKind | null {
  return (Object.entries(topics.inbound).find(([, name]) => name === topic)?.[0] as InboundKind | undefined) ?? null;
}
