import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, CommandPipeline, Principal, RETRY_ON_CONFLICT, StreamSpec } from '@ipstd/platform';
import {
  CITIES, CITY_CODE, EXPERT_POOL_EVENTS, ExpertEntry, ExpertPoolCommand, ExpertPoolEvent, ExpertPoolState, ExpertRecord, expertPoolDecider, expertPoolStream,
} from '../../domain';
import { requireCity } from '../access';
import { ProblemException } from '@ipstd/platform';
import { HttpStatus } from '@nestjs/common';

export const expertPoolSpec = (city: string): StreamSpec<ExpertPoolCommand, ExpertPoolEvent, ExpertPoolState> => ({
  streamId: expertPoolStream(city),
  decider: expertPoolDecider,
  events: EXPERT_POOL_EVENTS,
  // One pool per city.
  city: () => city,
});

/** Policy: the programme admin of the pool's city (exact city code). */
export function poolAdminPolicy(principal: Principal, city: string): void {
  if (!CITY_CODE.test(city) || !CITIES[city]) {
    throw new ProblemException(HttpStatus.NOT_FOUND, 'EXPERT_POOL_NOT_FOUND', { zh: `没有城市代码为 ${city} 的专家库`, en: `No expert pool for city code ${city}` });
  }
  requireCity(principal, city);
}

export interface ExpertView extends ExpertRecord {
  readonly active: boolean;
  readonly registeredAt: string;
  readonly updatedAt: string;
}
export const expertView = (e: ExpertEntry): ExpertView => ({ ...e });

export interface ExpertResult {
  readonly view: ExpertView;
  readonly revision: bigint;
}

async function runPool(pipeline: CommandPipeline, city: string, principal: Principal, context: CommandContext, expertId: string, build: (now: Date) => ExpertPoolCommand): Promise<ExpertResult> {
  const result = await pipeline.run(expertPoolSpec(city), context, (_, now) => build(now), { authorise: () => poolAdminPolicy(principal, city), retry: context.expectedRevision === null ? RETRY_ON_CONFLICT : undefined });
  const entry = result.state.experts[expertId];
  return { view: expertView(entry), revision: result.revision };
}

export class RegisterExpertCommand extends Command<ExpertResult> {
  constructor(readonly city: string, readonly expert: ExpertRecord, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(RegisterExpertCommand)
export class RegisterExpertHandler implements ICommandHandler<RegisterExpertCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}
  execute({ city, expert, principal, context }: RegisterExpertCommand): Promise<ExpertResult> {
    return runPool(this.pipeline, city, principal, context, expert.expertId, (now) => ({ type: 'RegisterExpert', city, expert, now }));
  }
}

export class UpdateExpertCommand extends Command<ExpertResult> {
  constructor(readonly city: string, readonly expert: ExpertRecord, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(UpdateExpertCommand)
export class UpdateExpertHandler implements ICommandHandler<UpdateExpertCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}
  execute({ city, expert, principal, context }: UpdateExpertCommand): Promise<ExpertResult> {
    return runPool(this.pipeline, city, principal, context, expert.expertId, (now) => ({ type: 'UpdateExpert', city, expert, now }));
  }
}

export class DeactivateExpertCommand extends Command<ExpertResult> {
  constructor(readonly city: string, readonly expertId: string, readonly reason: string, readonly principal: Principal, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(DeactivateExpertCommand)
export class DeactivateExpertHandler implements ICommandHandler<DeactivateExpertCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}
  execute({ city, expertId, reason, principal, context }: DeactivateExpertCommand): Promise<ExpertResult> {
    return runPool(this.pipeline, city, principal, context, expertId, (now) => ({ type: 'DeactivateExpert', city, expertId, reason, now }));
  }
}
