import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, canonicalJson } from '@ipstd/kernel';
import { RuleSet, RuleSetRef } from './types';
import { checkNewVersion, findRuleSet } from './registry';
import { validateRuleSet } from './validate';

/** The one stream that lists every published rule-set version, in publishing order. */
export const RULE_CATALOG_STREAM = 'rule-set-catalog';

export type RuleCatalogEvent = DomainEvent<'RuleSetPublished', { ruleSet: RuleSet; publishedAt: string; builtIn: boolean }>;

export interface RuleCatalogState {
  readonly published: readonly RuleSet[];
  readonly publishedAt: Readonly<Record<string, string>>;
}

export interface PublishRuleSet {
  readonly type: 'PublishRuleSet';
  /** The rule set as received: validated here, never trusted. */
  readonly input: unknown;
  /** Built-in versions shipped with this build are published at start; re-publishing one is a no-op. */
  readonly builtIn: boolean;
  readonly now: Date;
}

export const ruleSetKey = (ref: RuleSetRef): string => `${ref.id}@${ref.version}`;

function publish(command: PublishRuleSet, state: RuleCatalogState): RuleCatalogEvent[] {
  if (command.builtIn) {
    const candidate = validateRuleSet(command.input);
    const existing = findRuleSet(state.published, candidate.id, candidate.version);
    if (existing) {
      if (canonicalJson(existing) === canonicalJson(candidate)) return [];
      throw new DomainError(
        'RULE_SET_VERSION_CONFLICT',
        'state',
        {
          zh: `规则集 ${candidate.id} 第 ${candidate.version} 版已以不同内容发布；已发布的版本不可更改，请发布新版本`,
          en: `Rule set ${candidate.id} version ${candidate.version} was published with different content; published versions never change, publish a new version`,
        },
        { ruleSet: ruleSetKey(candidate) },
      );
    }
  }
  const ruleSet = checkNewVersion(state.published, command.input);
  return [{ type: 'RuleSetPublished', data: { ruleSet, publishedAt: command.now.toISOString(), builtIn: command.builtIn } }];
}

export const ruleCatalogDecider: Decider<PublishRuleSet, RuleCatalogEvent, RuleCatalogState> = {
  initialState: () => ({ published: [], publishedAt: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'PublishRuleSet':
        return publish(command, state);
      default:
        return assertNever(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'RuleSetPublished':
        return {
          published: [...state.published, event.data.ruleSet],
          publishedAt: { ...state.publishedAt, [ruleSetKey(event.data.ruleSet)]: event.data.publishedAt },
        };
      default:
        return assertNever(event.type);
    }
  },
};

export const RULE_CATALOG_EVENTS: EventRegistry<RuleCatalogEvent> = { RuleSetPublished: { version: 1 } };

export function ruleSetNotFound(ref: RuleSetRef): DomainError {
  return new DomainError(
    'RULE_SET_NOT_FOUND',
    'rule',
    { zh: `规则集 ${ref.id} 第 ${ref.version} 版未发布`, en: `Rule set ${ref.id} version ${ref.version} has not been published` },
    { ruleSet: ruleSetKey(ref) },
  );
}
