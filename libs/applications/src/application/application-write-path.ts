import { Injectable } from '@nestjs/common';
import { CommandContext, CommandPipeline, Principal, RETRY_ON_CONFLICT, notFound } from '@ipstd/platform';
import { ApplicationCommand, ApplicationState, ProgrammeContext, cityOf } from '../domain';
import { ApplicationScope } from './access';
import { applicationSpec, loadOpenProgramme } from './stream-specs';
import { ApplicationCommandResult, applicationResult } from './views';

export type { ApplicationScope } from './access';

/** A use case's named authorisation policy: throws 403 (or 404 when the caller may not even see the application). */
export type ApplicationPolicy = (principal: Principal, scope: ApplicationScope) => void;

/**
 * The write path of the application use cases: the pipeline's fixed order (load → idempotency replay
 * → If-Match → authorise → decide → append) on the application stream, with the programme terms the
 * decision needs loaded once the caller is authorised.
 */
@Injectable()
export class ApplicationWritePath {
  constructor(private readonly pipeline: CommandPipeline) {}

  async run(
    applicationId: string,
    principal: Principal,
    context: CommandContext,
    policy: ApplicationPolicy,
    build: (programme: ProgrammeContext, now: Date) => ApplicationCommand,
  ): Promise<ApplicationCommandResult> {
    const result = await this.pipeline.run(
      applicationSpec(applicationId),
      context,
      async (state, now) => {
        const programme = await loadOpenProgramme(this.pipeline, existingApplication(state).programmeId);
        return build({ programmeId: programme.state.programmeId, terms: programme.state.terms }, now);
      },
      { authorise: (state) => policy(principal, scopeOf(existingApplication(state))), retry: RETRY_ON_CONFLICT },
    );
    return applicationResult(result, principal);
  }
}

/** The application of a loaded state; 404 when there is none. */
export function existingApplication(state: ApplicationState): Exclude<ApplicationState, { status: 'none' }> {
  if (state.status === 'none') throw notFound('APPLICATION_NOT_FOUND', '申报不存在', 'No such application');
  return state;
}

/** The application's scope: its district, the (prefecture-level) city of its call, its enterprise. */
export function scopeOf(state: Exclude<ApplicationState, { status: 'none' }>): ApplicationScope {
  const district = state.profile.enterprise.district;
  return {
    district,
    city: cityOf(district),
    creditCode: state.profile.enterprise.creditCode,
    panel: state.review?.experts.map((e) => e.expertId) ?? [],
    conflicted: state.review?.conflicted ?? [],
  };
}
