import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  BUILT_IN_RULE_SETS, PublishRuleSet, RULE_CATALOG_EVENTS, RULE_CATALOG_STREAM, RuleCatalogEvent, RuleCatalogState, RuleSet, RuleSetChanges, RuleSetRef,
  deriveRuleSet, findRuleSet, ruleCatalogDecider, ruleSetNotFound,
} from '@ipstd/funding-rules';
import { CommandContext } from '../commands/command-context';
import { CommandPipeline, CommandResult, RETRY_ON_CONFLICT, StreamSpec, systemContext } from '../commands/command-pipeline';

const catalogSpec: StreamSpec<PublishRuleSet, RuleCatalogEvent, RuleCatalogState> = {
  streamId: RULE_CATALOG_STREAM,
  decider: ruleCatalogDecider,
  events: RULE_CATALOG_EVENTS,
  // One catalog for every city (each rule set names its own): the stream belongs to no city.
  city: () => null,
};

/** The published rule-set versions, read from the catalog stream (for read-side services). */
export async function readRuleCatalog(pipeline: CommandPipeline): Promise<RuleCatalogState> {
  return (await pipeline.load(catalogSpec)).state;
}

/** Published rule-set versions, read from the catalog stream. Built-in versions are published at start. */
@Injectable()
export class RuleCatalog implements OnApplicationBootstrap {
  private readonly logger = new Logger('rule-catalog');
  /** Published versions never change (a change is a new version), so a version once read is kept. */
  private readonly published = new Map<string, RuleSet>();

  constructor(private readonly pipeline: CommandPipeline) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.publishBuiltIns();
  }

  async state(): Promise<{ state: RuleCatalogState; revision: bigint | null }> {
    const { state, revision } = await this.pipeline.load(catalogSpec);
    return { state, revision };
  }

  async get(ref: RuleSetRef): Promise<RuleSet> {
    const key = `${ref.id}@${ref.version}`;
    const cached = this.published.get(key);
    if (cached) return cached;
    const ruleSet = findRuleSet((await this.state()).state.published, ref.id, ref.version);
    if (!ruleSet) throw ruleSetNotFound(ref);
    this.published.set(key, ruleSet);
    return ruleSet;
  }

  publish(input: unknown, context: CommandContext): Promise<CommandResult<RuleCatalogState>> {
    return this.pipeline.run(catalogSpec, context, (_, now) => ({ type: 'PublishRuleSet' as const, input, builtIn: false, now }));
  }

  /**
   * Publishes a version derived from a published one (POST /v1/rules/rule-sets/{id}/versions): the
   * derivation reads the catalog on every attempt, so the new number is always the latest + 1.
   */
  derive(id: string, changes: RuleSetChanges, context: CommandContext): Promise<CommandResult<RuleCatalogState>> {
    return this.pipeline.run(catalogSpec, context, (state, now) => ({ type: 'PublishRuleSet' as const, input: deriveRuleSet(state.published, id, changes), builtIn: false, now }), {
      retry: context.expectedRevision === null ? RETRY_ON_CONFLICT : undefined,
    });
  }

  /** Publishes the versions shipped with this build that the catalog does not hold yet; safe to race. */
  async publishBuiltIns(): Promise<void> {
    for (const ruleSet of BUILT_IN_RULE_SETS) {
      const result = await this.pipeline.run(
        catalogSpec,
        systemContext('system:rule-catalog', `seed-${ruleSet.id}-v${ruleSet.version}`),
        (_, now) => ({ type: 'PublishRuleSet' as const, input: ruleSet, builtIn: true, now }),
        { retry: RETRY_ON_CONFLICT },
      );
      if (result.events.length) this.logger.log({ msg: 'published built-in rule set', ruleSet: ruleSet.id, version: ruleSet.version });
    }
  }
}
