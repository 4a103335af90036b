import fc from 'fast-check';
import { DomainError } from '@ipstd/kernel';
import { CommitFunds, ProgrammeCommand, ProgrammeEvent, ProgrammeState, ReleaseFunds, programmeDecider, settleTerms } from '../src/domain';
import { suzhouTerms } from '../../../test/support/fixtures';

/**
 * Σ commitments ≤ budget (DOMAIN.md §5) as properties of programmeDecider: over any sequence of
 * CommitFunds / ReleaseFunds, and over two writers racing on one stream under optimistic concurrency.
 */

const programmeId = '0190a4b2-0000-7000-8000-0000000000b1';
const now = new Date('2024-11-19T02:00:00Z');
const POOL = [
  '0190a4b2-0000-7000-8000-00000000a001',
  '0190a4b2-0000-7000-8000-00000000a002',
  '0190a4b2-0000-7000-8000-00000000a003',
  '0190a4b2-0000-7000-8000-00000000a004',
  '0190a4b2-0000-7000-8000-00000000a005',
];

type Opened = Extract<ProgrammeState, { status: 'open' }>;

const opened = (budgetFen: number): ProgrammeEvent => ({
  type: 'ProgrammeOpened',
  data: { programmeId, openedAt: now.toISOString(), terms: settleTerms(suzhouTerms({ budgetFen })) },
});

const fold = (events: readonly ProgrammeEvent[]): ProgrammeState => events.reduce(programmeDecider.evolve, programmeDecider.initialState());
const open = (state: ProgrammeState): Opened => {
  if (state.status !== 'open') throw new Error('programme not open');
  return state;
};
const sum = (commitments: Opened['commitments']) => Object.values(commitments).reduce((a, c) => a + c.amountFen, 0);
const SELECTIONS = ['s1', 's2', 's3', 's4', 's5', 's6'];

/** An amount: a raw positive (or zero) safe integer, or one relative to what remains, to hit the boundary. */
type Amount = { raw: number } | { remainingPlus: number } | { fraction: number };
type Step = { kind: 'commit'; selectionId: string; applicationId: string; amount: Amount } | { kind: 'release'; selectionId: string; reason: string };

const budget = fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 1_000_000_000_000 }), fc.constant(1_000_000_000_000));
const applicationId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...POOL) }, { weight: 1, arbitrary: fc.uuid() });
const amount: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ raw: 0 }) },
  { weight: 3, arbitrary: fc.record({ raw: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 3, arbitrary: fc.record({ raw: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }) },
  { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 52, 1e15, 1_000_000_000_000, 1_000_000_000_001) }) },
  { weight: 3, arbitrary: fc.record({ remainingPlus: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);
const selectionId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...SELECTIONS) }, { weight: 1, arbitrary: fc.uuid() });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), selectionId, applicationId, amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), selectionId, reason: fc.string({ unit: 'grapheme', maxLength: 20 }) }) },
);

function resolve(a: Amount, state: Opened): number {
  const remaining = state.terms.budgetFen - state.committedFen;
  if ('raw' in a) return a.raw;
  if ('remainingPlus' in a) return Math.max(0, remaining + a.remainingPlus);
  return Math.floor(remaining * a.fraction);
}

function command(s: Step, state: Opened): CommitFunds | ReleaseFunds {
  return s.kind === 'commit'
    ? { type: 'CommitFunds', selectionId: s.selectionId, applicationId: s.applicationId, amountFen: resolve(s.amount, state), now }
    : { type: 'ReleaseFunds', selectionId: s.selectionId, reason: s.reason, now };
}

/** Decides; a refusal must be a DomainError (anything else fails the property) and is returned, not thrown. */
function decide(c: ProgrammeCommand, state: ProgrammeState): ProgrammeEvent[] | DomainError {
  try {
    return programmeDecider.decide(c, state);
  } catch (error) {
    if (!(error instanceof DomainError)) throw new Error(`decide threw a non-DomainError: ${String(error)}`);
    return error;
  }
}

/** What must hold of every state the events can fold to. */
function checkState(state: Opened): void {
  const total = sum(state.commitments);
  expect(state.committedFen).toBe(total);
  expect(total).toBeLessThanOrEqual(state.terms.budgetFen);
  const applications = Object.values(state.commitments).map((c) => c.applicationId);
  // An application holds at most one commitment at a time.
  expect(new Set(applications).size).toBe(applications.length);
  for (const { amountFen } of Object.values(state.commitments)) {
    expect(Number.isSafeInteger(amountFen)).toBe(true);
    expect(amountFen).toBeGreaterThanOrEqual(0);
  }
}

describe('programme budget (properties)', () => {
  it('never commits more than the budget over any sequence of commits and releases, and refuses only with DomainErrors', () => {
    fc.assert(
      fc.property(budget, fc.array(step, { maxLength: 60 }), (budgetFen, steps) => {
        const log: ProgrammeEvent[] = [opened(budgetFen)];
        let state = open(fold(log));
        /** The same bookkeeping, kept independently of the decider: selection → application and amount. */
        const model = new Map<string, { applicationId: string; amountFen: number }>();
        const holder = (app: string) => [...model.entries()].find(([, c]) => c.applicationId === app);
        for (const s of steps) {
          const c = command(s, state);
          const remaining = budgetFen - state.committedFen;
          const result = decide(c, state);
          if (result instanceof DomainError) {
            // Refused: the only refusals are a reused selection id, an application held by another selection, or too little budget.
            if (c.type !== 'CommitFunds') throw new Error(`ReleaseFunds refused: ${result.code}`);
            const own = model.get(c.selectionId);
            if (own !== undefined) {
              expect(result.code).toBe('SELECTION_ID_REUSED');
              expect(own.applicationId !== c.applicationId || own.amountFen !== c.amountFen).toBe(true);
            } else if (holder(c.applicationId)) {
              expect(result.code).toBe('FUNDS_ALREADY_COMMITTED');
              expect(result.details).toMatchObject({ selectionId: holder(c.applicationId)![0] });
            } else {
              expect(result.code).toBe('BUDGET_EXCEEDED');
              expect(c.amountFen).toBeGreaterThan(remaining);
              expect(result.details).toMatchObject({ remainingFen: remaining, requestedFen: c.amountFen, budgetFen });
            }
            continue;
          }
          log.push(...result);
          state = open(result.reduce(programmeDecider.evolve, state as ProgrammeState));
          if (c.type === 'CommitFunds') {
            if (model.has(c.selectionId)) {
              expect(result).toEqual([]); // the same selection again: nothing new
            } else {
              expect(c.amountFen).toBeLessThanOrEqual(remaining);
              model.set(c.selectionId, { applicationId: c.applicationId, amountFen: c.amountFen });
              expect(result).toHaveLength(1);
              const [event] = result;
              if (event.type !== 'FundsCommitted') throw new Error(`unexpected ${event.type}`);
              expect(event.data).toMatchObject({ selectionId: c.selectionId, applicationId: c.applicationId, amountFen: c.amountFen, committedFen: state.committedFen });
              expect(event.data.remainingFen).toBe(budgetFen - state.committedFen);
              expect(event.data.remainingFen).toBeGreaterThanOrEqual(0);
            }
          } else {
            // A release undoes exactly its own selection's commitment, whatever else the application or others hold.
            const had = model.get(c.selectionId);
            model.delete(c.selectionId);
            expect(result).toEqual(had === undefined ? [] : [expect.objectContaining({ type: 'FundsReleased', data: expect.objectContaining({ selectionId: c.selectionId, applicationId: had.applicationId, amountFen: had.amountFen }) })]);
          }
          checkState(state);
          expect(Object.fromEntries(Object.entries(state.commitments).map(([id, c]) => [id, { applicationId: c.applicationId, amountFen: c.amountFen }]))).toEqual(Object.fromEntries(model));
          // Replaying the whole log from scratch gives the same state.
          expect(fold(log)).toEqual(state);
        }
        // The last FundsCommitted, if no release followed it, still states what remains.
        const lastCommit = [...log].reverse().find((e) => e.type === 'FundsCommitted' || e.type === 'FundsReleased');
        if (lastCommit?.type === 'FundsCommitted') expect(lastCommit.data.remainingFen).toBe(budgetFen - state.committedFen);
      }),
      { numRuns: 300 },
    );
  });

  /**
   * A stream with optimistic concurrency: an append names the revision it decided on and is refused
   * if the stream has moved on. A refused writer reads again and decides again, as the
   * SelectApplicationHandler does on WrongExpectedRevisionError.
   */
  class Stream {
    readonly log: ProgrammeEvent[];
    constructor(first: ProgrammeEvent) {
      this.log = [first];
    }
    get revision(): number {
      return this.log.length - 1;
    }
    read(): { state: Opened; revision: number } {
      return { state: open(fold(this.log)), revision: this.revision };
    }
    append(expectedRevision: number, events: readonly ProgrammeEvent[]): boolean {
      if (events.length === 0) return true;
      if (expectedRevision !== this.revision) return false;
      this.log.push(...events);
      return true;
    }
  }

  interface Writer {
    readonly step: Step;
    /** The command, fixed when the writer first reads (an approved amount does not change on a retry). */
    command: ProgrammeCommand | null;
    seen: { state: Opened; revision: number; events: ProgrammeEvent[] } | null;
    done: boolean;
    attempts: number;
  }

  /** One tick of a writer: read and decide if it holds no decision, else try to append it. */
  function tick(stream: Stream, w: Writer): void {
    if (w.done) return;
    if (!w.seen) {
      const { state, revision } = stream.read();
      w.command ??= command(w.step, state);
      const result = decide(w.command, state);
      if (result instanceof DomainError) {
        expect(['BUDGET_EXCEEDED', 'FUNDS_ALREADY_COMMITTED', 'SELECTION_ID_REUSED']).toContain(result.code);
        w.done = true;
        return;
      }
      w.seen = { state, revision, events: result };
      return;
    }
    w.attempts++;
    if (stream.append(w.seen.revision, w.seen.events)) {
      w.done = true;
    } else {
      w.seen = null; // lost the race: read the new state and decide again
    }
    checkState(stream.read().state);
  }

  const round = fc.record({
    writers: fc.tuple(step, step),
    /** Which writer moves at each tick; when the schedule runs out they alternate. */
    schedule: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 8 }),
  });

  it('never exceeds the budget when two writers read the same state and race, the loser deciding again', () => {
    fc.assert(
      fc.property(budget, fc.array(round, { minLength: 1, maxLength: 25 }), (budgetFen, rounds) => {
        const stream = new Stream(opened(budgetFen));
        for (const r of rounds) {
          const writers: Writer[] = r.writers.map((s) => ({ step: s, command: null, seen: null, done: false, attempts: 0 }));
          // Both read the same state and decide before either appends.
          tick(stream, writers[0]);
          tick(stream, writers[1]);
          const order = [...r.schedule];
          for (let i = 0; writers.some((w) => !w.done); i++) {
            if (i > 20) throw new Error('writers did not settle');
            tick(stream, writers[order[i] ?? i % 2]);
          }
          for (const w of writers) expect(w.attempts).toBeLessThanOrEqual(2);
          const { state } = stream.read();
          checkState(state);
          // Every commitment on the stream was decided on the state it was appended to.
          const replay = stream.log.slice(1).reduce<{ state: ProgrammeState; ok: boolean }>(
            (acc, e) => {
              const s = open(acc.state);
              const okCommit = e.type !== 'FundsCommitted' || (e.data.amountFen <= s.terms.budgetFen - s.committedFen && e.data.remainingFen === s.terms.budgetFen - s.committedFen - e.data.amountFen);
              return { state: programmeDecider.evolve(acc.state, e), ok: acc.ok && okCommit };
            },
            { state: fold(stream.log.slice(0, 1)), ok: true },
          );
          expect(replay.ok).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('needs the revision check: appending the second writer\'s stale decision blindly would overspend', () => {
    const stream = new Stream(opened(100));
    const { state, revision } = stream.read();
    const first = programmeDecider.decide({ type: 'CommitFunds', selectionId: 's1', applicationId: POOL[0], amountFen: 60, now }, state);
    const second = programmeDecider.decide({ type: 'CommitFunds', selectionId: 's2', applicationId: POOL[1], amountFen: 60, now }, state);
    expect(stream.append(revision, first)).toBe(true);
    // Without the check both would land: 120 fen committed against a budget of 100.
    expect(sum(open([...first, ...second].reduce(programmeDecider.evolve, state as ProgrammeState)).commitments)).toBe(120);
    // With it, the second append is refused and deciding again on the new state refuses the commitment.
    expect(stream.append(revision, second)).toBe(false);
    const again = decide({ type: 'CommitFunds', selectionId: 's2', applicationId: POOL[1], amountFen: 60, now }, stream.read().state);
    expect(again).toBeInstanceOf(DomainError);
    expect((again as DomainError).code).toBe('BUDGET_EXCEEDED');
    expect((again as DomainError).details).toMatchObject({ remainingFen: 40 });
  });
});
