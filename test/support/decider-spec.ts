import { Decider, DomainError, DomainEvent } from '@ipstd/kernel';

/** Given/when/then over a decider: given past events, when a command, then new events or a refusal. */
export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: readonly E[]): void {
              expect(run()).toEqual(expected);
            },
            /** The same events, each matching the given subset (for events that carry derived detail). */
            thenMatches(expected: ReadonlyArray<object>): void {
              const events = run();
              expect(events).toHaveLength(expected.length);
              events.forEach((event, i) => expect(event).toMatchObject(expected[i]));
            },
            thenRefuses(code: string, details?: Record<string, unknown>): DomainError {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              const error = thrown as DomainError;
              expect(error.code).toBe(code);
              expect(error.text.zh.length).toBeGreaterThan(0);
              expect(error.text.en.length).toBeGreaterThan(0);
              if (details) expect(error.details).toMatchObject(details);
              return error;
            },
          };
        },
      };
    },
  };
}
