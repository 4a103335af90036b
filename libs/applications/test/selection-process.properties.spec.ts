import fc from 'fast-check';
import { DomainError } from '@ipstd/kernel';
import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import {
  ApplicationEvent, ApplicationState, DecideSelection, ProgrammeContext, ProgrammeEvent, ProgrammeState, RESERVATION_GRACE_MS, RESERVATION_LEASE_MS,
  applicationDecider, commitmentOf, isLapsed, programmeDecider, settleTerms,
} from '../src/domain';
import { suzhouProfile, suzhouTerms } from '../../../test/support/fixtures';

/**
 * The selection process over two streams (docs/lifecycle/application.md, "Selection within budget"),
 * as a model checked over random interleavings: several selection requests (some identical, some
 * sharing an Idempotency-Key, some for other applications) move step by step, in any order, may crash
 * after any step, while the clock moves and the reconciler runs. After every single step:
 *   Σ awarded ≤ Σ committed ≤ budget, every award holds its own commitment of its amount,
 *   and no application is selected twice.
 * Once every request has finished or crashed and the reconciler has run past every lease:
 *   Σ committed = Σ awarded, no orphan commitment.
 * The one assumption, written into the model: a request that has decided appends (or loses its race)
 * before the clock moves on by more than the grace period; in the service it is one transaction.
 */

const terms = suzhouTerms({ budgetFen: 100, review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
const programme: ProgrammeContext = { programmeId: '0190a4b2-0000-7000-8000-0000000000c1', terms };
const APPS = ['0190a4b2-0000-7000-8000-0000000000a1', '0190a4b2-0000-7000-8000-0000000000a2', '0190a4b2-0000-7000-8000-0000000000a3'];
const start = new Date('2024-11-19T02:00:00Z');

/** One stream with optimistic concurrency, as the event store keeps it. */
class Stream<E> {
  readonly events: E[] = [];
  get revision(): number {
    return this.events.length;
  }
  append(expected: number, events: readonly E[]): boolean {
    if (expected !== this.revision) return false;
    this.events.push(...events);
    return true;
  }
}

function reviewedApplication(applicationId: string): ApplicationEvent[] {
  const submitted = applicationDecider.decide(
    { type: 'SubmitApplication', applicationId, programme, profile: suzhouProfile(), basis: { ruleSet: BUILT_IN_RULE_SETS[0], facts: {} }, now: new Date('2024-11-01T02:00:00Z') },
    applicationDecider.initialState(),
  );
  const at = start.toISOString();
  const experts = ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ', links: [] }));
  return [
    ...submitted,
    { type: 'ApplicationEndorsed', data: { applicationId, district: '320505', opinion: 'ok', endorsedAt: at } },
    { type: 'ReviewPanelAssigned', data: { applicationId, experts, assignedAt: at } },
    ...experts.map((e): ApplicationEvent => ({ type: 'ReviewScoresSubmitted', data: { applicationId, expertId: e.expertId, scores: [{ criterionId: 'a', hundredths: 8000 }], totalHundredths: 8000, comment: '', submittedAt: at } })),
    { type: 'ReviewClosed', data: { applicationId, aggregation: 'mean', totals: [], aggregateHundredths: 8000, closedAt: at } },
  ];
}

interface Request {
  readonly app: number;
  readonly amountFen: number;
  /** Requests with the same key share their selection id; null: a fresh id per request. */
  readonly key: number | null;
}

type Phase = 'start' | 'checked' | 'committed' | 'decided' | 'done' | 'crashed';

interface Process {
  readonly request: Request;
  readonly selectionId: string;
  phase: Phase;
  /** The application's revision and the events this request decided on it (phase 'decided'). */
  decided: { revision: number; events: ApplicationEvent[] } | null;
}

type Action = { kind: 'step'; process: number; crash: boolean } | { kind: 'tick'; ms: number } | { kind: 'reconcile' };

class World {
  readonly programme = new Stream<ProgrammeEvent>();
  readonly applications = APPS.map(() => new Stream<ApplicationEvent>());
  now = start.getTime();

  constructor() {
    this.programme.append(0, [{ type: 'ProgrammeOpened', data: { programmeId: programme.programmeId, openedAt: start.toISOString(), terms: settleTerms(terms) } }]);
    this.applications.forEach((s, i) => s.append(0, reviewedApplication(APPS[i])));
  }

  programmeState(): Extract<ProgrammeState, { status: 'open' }> {
    const state = this.programme.events.reduce(programmeDecider.evolve, programmeDecider.initialState());
    if (state.status !== 'open') throw new Error('programme not open');
    return state;
  }

  application(i: number): Exclude<ApplicationState, { status: 'none' }> {
    const state = this.applications[i].events.reduce(applicationDecider.evolve, applicationDecider.initialState());
    if (state.status === 'none') throw new Error('no application');
    return state;
  }

  /** Appends a programme command's events, deciding again on a lost race (the retry policy); refusals are returned. */
  programmeCommand(command: Parameters<typeof programmeDecider.decide>[0]): ProgrammeEvent[] | DomainError {
    try {
      const events = programmeDecider.decide(command, this.programmeState());
      this.programme.append(this.programme.revision, events);
      return events;
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  }

  /** Releases one selection's commitment unless its application recorded it. */
  releaseUnlessRecorded(selectionId: string): void {
    const held = this.programmeState().commitments[selectionId];
    if (!held) return;
    const app = APPS.indexOf(held.applicationId);
    if (this.application(app).selection?.selectionId === selectionId) return;
    this.programmeCommand({ type: 'ReleaseFunds', selectionId, reason: 'not recorded', now: new Date(this.now) });
  }

  reconcile(): void {
    for (const [selectionId, c] of Object.entries(this.programmeState().commitments)) {
      if (isLapsed(c, new Date(this.now))) this.releaseUnlessRecorded(selectionId);
    }
  }

  selection(p: Process, commitment: DecideSelection['commitment']): DecideSelection {
    return { type: 'DecideSelection', programme, decision: 'select', approvedAmountFen: p.request.amountFen, reason: 'x', eligibilityOverride: null, batch: null, commitment, credit: {}, now: new Date(this.now) };
  }

  /** The compensation of a request whose selection failed for good (SelectApplicationHandler.compensate). */
  compensate(p: Process): void {
    const app = this.application(p.request.app);
    if (app.selection?.selectionId === p.selectionId) return;
    if (p.request.key !== null && (app.status === 'under-review' || app.status === 'invited-to-defense')) return;
    this.releaseUnlessRecorded(p.selectionId);
  }

  /** One step of a request, as the handler takes it. */
  step(p: Process): void {
    const i = p.request.app;
    const refused = (fn: () => void): boolean => {
      try {
        fn();
        return false;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return true;
      }
    };
    switch (p.phase) {
      case 'start': {
        const app = this.application(i);
        if (app.selection?.selectionId === p.selectionId) return void (p.phase = 'done'); // idempotent replay
        if (refused(() => applicationDecider.decide(this.selection(p, null), app))) return void (p.phase = 'done');
        const held = commitmentOf(this.programmeState(), APPS[i]);
        if (held && isLapsed(held, new Date(this.now))) this.releaseUnlessRecorded(held.selectionId);
        p.phase = 'checked';
        return;
      }
      case 'checked': {
        const result = this.programmeCommand({ type: 'CommitFunds', selectionId: p.selectionId, applicationId: APPS[i], amountFen: p.request.amountFen, now: new Date(this.now) });
        p.phase = result instanceof DomainError ? 'done' : 'committed';
        return;
      }
      case 'committed': {
        const app = this.application(i);
        if (app.selection?.selectionId === p.selectionId) return void (p.phase = 'done'); // a twin with the same key recorded it
        const own = this.programmeState().commitments[p.selectionId];
        let events: ApplicationEvent[] = [];
        const failed = refused(() => {
          events = applicationDecider.decide(this.selection(p, own ? { selectionId: p.selectionId, amountFen: own.amountFen, expiresAt: own.expiresAt } : { selectionId: p.selectionId, amountFen: p.request.amountFen, expiresAt: new Date(0).toISOString() }), app);
        });
        if (failed) {
          this.compensate(p);
          p.phase = 'done';
          return;
        }
        p.decided = { revision: this.applications[i].revision, events };
        p.phase = 'decided';
        return;
      }
      case 'decided': {
        if (this.applications[i].append(p.decided!.revision, p.decided!.events)) p.phase = 'done';
        else p.phase = 'committed'; // lost the race: decide again on the new state
        p.decided = null;
        return;
      }
      default:
        return;
    }
  }

  check(settled: boolean): void {
    const state = this.programmeState();
    const commitments = Object.entries(state.commitments);
    const committed = commitments.reduce((s, [, c]) => s + c.amountFen, 0);
    expect(state.committedFen).toBe(committed);
    expect(committed).toBeLessThanOrEqual(terms.budgetFen);
    let awarded = 0;
    for (let i = 0; i < APPS.length; i++) {
      const selectedEvents = this.applications[i].events.filter((e) => e.type === 'ApplicationSelected');
      expect(selectedEvents.length).toBeLessThanOrEqual(1);
      const app = this.application(i);
      if (app.status === 'selected') {
        awarded += app.selection!.approvedAmountFen;
        expect(state.commitments[app.selection!.selectionId!]).toMatchObject({ applicationId: APPS[i], amountFen: app.selection!.approvedAmountFen });
      }
    }
    expect(awarded).toBeLessThanOrEqual(committed);
    if (settled) {
      expect(committed).toBe(awarded);
      expect(commitments.every(([id, c]) => this.application(APPS.indexOf(c.applicationId)).selection?.selectionId === id)).toBe(true);
    }
  }
}

const request: fc.Arbitrary<Request> = fc.record({
  app: fc.integer({ min: 0, max: APPS.length - 1 }),
  amountFen: fc.constantFrom(10, 30, 50, 60),
  key: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
});

/** Requests, each possibly sent several times at once (identical twins). */
const requests = fc.array(fc.tuple(request, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 5 });

const action = (processes: number): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('step' as const), process: fc.integer({ min: 0, max: processes - 1 }), crash: fc.integer({ min: 0, max: 11 }).map((n) => n === 0) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(1_000, RESERVATION_LEASE_MS, RESERVATION_GRACE_MS + 1) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
  );

describe('selection process over two streams (properties)', () => {
  it('keeps Σ awarded ≤ Σ committed ≤ budget after every step of any interleaving, and settles with no orphan', () => {
    fc.assert(
      fc.property(
        requests.chain((rs) => {
          const expanded = rs.flatMap(([r, copies]) => Array.from({ length: copies }, () => r));
          return fc.tuple(fc.constant(expanded), fc.array(action(expanded.length), { maxLength: 80 }));
        }),
        ([expanded, actions]) => {
          const world = new World();
          let fresh = 0;
          const processes: Process[] = expanded.map((r) => ({
            request: r,
            selectionId: r.key === null ? `fresh-${fresh++}` : `key-${r.key}-app-${r.app}`,
            phase: 'start',
            decided: null,
          }));
          for (const a of actions) {
            if (a.kind === 'step') {
              const p = processes[a.process];
              if (a.crash && p.phase !== 'done') p.phase = 'crashed';
              else world.step(p);
            } else if (a.kind === 'tick') {
              // A decided append lands (or loses) within the grace period: see the assumption above.
              for (const p of processes) if (p.phase === 'decided') world.step(p);
              world.now += a.ms;
            } else {
              world.reconcile();
            }
            world.check(false);
          }
          // Let every live request finish, then run the reconciler past every lease.
          for (let guard = 0; processes.some((p) => p.phase !== 'done' && p.phase !== 'crashed'); guard++) {
            if (guard > 1000) throw new Error('requests did not settle');
            for (const p of processes) if (p.phase !== 'done' && p.phase !== 'crashed') world.step(p);
            world.check(false);
          }
          world.now += RESERVATION_LEASE_MS + RESERVATION_GRACE_MS + 1;
          world.reconcile();
          world.check(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
