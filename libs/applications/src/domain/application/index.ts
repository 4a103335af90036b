import { Decider } from '@ipstd/kernel';
import { ApplicationCommand } from './commands';
import { decideApplication } from './decide';
import { ApplicationEvent } from './events';
import { ApplicationState, evolveApplication } from './state';

export * from './commands';
export * from './events';
export * from './state';
export { checkProfile, finalScore, requireDrawable } from './decide';

/**
 * The application aggregate (one stream per enterprise and programme): commands in commands.ts,
 * events and their versions in events.ts, the state per status and its evolve in state.ts, the
 * decisions in decide.ts.
 */
export const applicationDecider: Decider<ApplicationCommand, ApplicationEvent, ApplicationState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideApplication,
  evolve: evolveApplication,
};
