import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import {
  ApplicationEvent, DrawReviewPanel, ExpertPoolEvent, ExpertRecord, PanelDraw, ProgrammeContext, applicationDecider, expertPoolDecider, seededShuffle,
} from '../src/domain';
import { deciderSpec } from '../../../test/support/decider-spec';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../../../test/support/fixtures';

/* ------------------------------------------------------------------------------------------------
 * An independent implementation of the draw, written from docs/lifecycle/application.md ("Random
 * draw of the review panel") and not from the service's code: it shares no function with it.
 * ---------------------------------------------------------------------------------------------- */
function jcs(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + jcs(o[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}
function referenceDraw(eligible: ExpertRecord[], seed: string, panelSize: number, reserveCount: number) {
  const sorted = [...eligible].sort((a, b) => (a.expertId < b.expertId ? -1 : 1));
  const digest = createHash('sha256').update(jcs(sorted.map((e) => ({ expertId: e.expertId, name: e.name, organisation: e.organisation, fields: e.fields, employer: e.employer, shareholdings: e.shareholdings, coApplications: e.coApplications }))), 'utf8').digest('hex');
  let block = 0;
  let buffer = Buffer.alloc(0);
  const word = (): number => {
    if (buffer.length === 0) buffer = createHash('sha256').update(Buffer.from(seed + ':' + String(block++), 'utf8')).digest();
    const w = buffer.readUInt32BE(0);
    buffer = buffer.subarray(4);
    return w;
  };
  const uniform = (n: number): number => {
    const bound = 2 ** 32 - (2 ** 32 % n);
    let w = word();
    while (w >= bound) w = word();
    return w % n;
  };
  const ids = sorted.map((e) => e.expertId);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = uniform(i + 1);
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  return { digest, drawn: ids.slice(0, panelSize), reserves: ids.slice(panelSize, panelSize + reserveCount) };
}

const applicant = CREDIT_CODES.huqiu;
const other = CREDIT_CODES.sip;
const city = '320500';
const now = new Date('2024-11-25T02:00:00Z');
const programmeId = '0190a4b2-0000-7000-8000-000000000001';
const applicationId = '0190a4b2-0000-7000-8000-0000000000a1';
const seed = 'a3f1c0de'.repeat(8);

const record = (expertId: string, over: Partial<ExpertRecord> = {}): ExpertRecord => ({
  expertId,
  name: `专家${expertId}`,
  organisation: '12320000466007236X',
  fields: ['0812'],
  employer: null,
  shareholdings: [],
  coApplications: [],
  ...over,
});
const registered = (expert: ExpertRecord): ExpertPoolEvent => ({ type: 'ExpertRegistered', data: { city, expert, registeredAt: '2024-01-01T00:00:00.000Z' } });
const draw = (over: Partial<DrawReviewPanel> = {}): DrawReviewPanel => ({
  type: 'DrawReviewPanel',
  programmeId,
  applicationId,
  creditCode: applicant,
  field: '0812',
  panelSize: 3,
  reserveCount: 2,
  cap: 10,
  seed,
  now,
  ...over,
});
const pool = (events: ExpertPoolEvent[]) => events.reduce(expertPoolDecider.evolve, expertPoolDecider.initialState());
const drawn = (events: ExpertPoolEvent[], command: DrawReviewPanel): PanelDraw => {
  const out = expertPoolDecider.decide(command, pool(events));
  expect(out).toHaveLength(1);
  return (out[0] as Extract<ExpertPoolEvent, { type: 'ExpertsDrawn' }>).data;
};
const poolSpec = deciderSpec(expertPoolDecider);
const twelve = Array.from({ length: 12 }, (_, i) => record(`e${String(i).padStart(2, '0')}`));

describe('expert pool', () => {
  describe('registration (given/when/then)', () => {
    it('registers an expert once; the same record again is a no-op, a different one is refused', () => {
      poolSpec.given([]).when({ type: 'RegisterExpert', city, expert: record('e1'), now }).then([{ type: 'ExpertRegistered', data: { city, expert: record('e1'), registeredAt: now.toISOString() } }]);
      poolSpec.given([registered(record('e1'))]).when({ type: 'RegisterExpert', city, expert: record('e1'), now }).then([]);
      poolSpec.given([registered(record('e1'))]).when({ type: 'RegisterExpert', city, expert: record('e1', { name: '别人' }), now }).thenRefuses('EXPERT_ALREADY_REGISTERED', { expertId: 'e1' });
    });

    it('updates and deactivates registered experts only', () => {
      poolSpec.given([]).when({ type: 'UpdateExpert', city, expert: record('e1'), now }).thenRefuses('EXPERT_NOT_FOUND');
      poolSpec.given([]).when({ type: 'DeactivateExpert', city, expertId: 'e1', reason: '退休', now }).thenRefuses('EXPERT_NOT_FOUND');
      poolSpec.given([registered(record('e1'))]).when({ type: 'UpdateExpert', city, expert: record('e1', { shareholdings: [applicant] }), now }).thenMatches([{ type: 'ExpertUpdated', data: { expert: { shareholdings: [applicant] } } }]);
      poolSpec.given([registered(record('e1'))]).when({ type: 'DeactivateExpert', city, expertId: 'e1', reason: '退休', now }).thenMatches([{ type: 'ExpertDeactivated', data: { expertId: 'e1' } }]);
    });

    it('refuses a draw when fewer eligible experts than the panel size remain', () => {
      poolSpec.given(twelve.slice(0, 2).map(registered)).when(draw()).thenRefuses('EXPERT_POOL_TOO_SMALL', { eligible: 2, panelSize: 3 });
    });
  });

  describe('draw', () => {
    it('gives the panel an independent implementation of the documented algorithm gives', () => {
      for (const s of [seed, '0'.repeat(64), 'ff'.repeat(32), 'seed-with-other-text']) {
        for (const [size, reserves] of [[3, 2], [5, 3], [7, 5], [12, 0]] as const) {
          const result = drawn(twelve.map(registered), draw({ seed: s, panelSize: size, reserveCount: reserves }));
          const reference = referenceDraw(twelve, s, size, reserves);
          expect(result.drawn.map((e) => e.expertId)).toEqual(reference.drawn);
          expect(result.reserves.map((e) => e.expertId)).toEqual(reference.reserves);
          expect(result.poolDigest).toBe(reference.digest);
          expect(result.seed).toBe(s);
        }
      }
    });

    it('keeps one draw per application: a retry after a half-done draw gets the recorded one, never a new seed', () => {
      const d = drawn(twelve.map(registered), draw());
      poolSpec.given([...twelve.map(registered), { type: 'ExpertsDrawn', data: d }]).when(draw({ seed: 'another' })).then([]);
      expect(pool([...twelve.map(registered), { type: 'ExpertsDrawn', data: d }]).draws[0].draw).toEqual(d);
    });

    it('is re-run from what the event records (seed and eligible ids) to the same panel', () => {
      const result = drawn(twelve.map(registered), draw());
      const order = seededShuffle(result.eligible, result.seed);
      expect(order.slice(0, 3)).toEqual(result.drawn.map((e) => e.expertId));
      expect(order.slice(3, 5)).toEqual(result.reserves.map((e) => e.expertId));
    });

    it('shuffles without bias (each expert drawn about equally often over many seeds)', () => {
      const counts = new Map<string, number>();
      const state = twelve.slice(0, 6).map(registered);
      for (let i = 0; i < 600; i++) {
        for (const e of drawn(state, draw({ seed: `s${i}`, panelSize: 1, reserveCount: 0 })).drawn) counts.set(e.expertId, (counts.get(e.expertId) ?? 0) + 1);
      }
      for (const n of counts.values()) expect(n).toBeGreaterThan(60); // expected 100 each
    });

    it('never draws an expert with a detectable conflict, a deactivated one or one of another field (property)', () => {
      const codes = [applicant, other, '91320594MA1W99999C'];
      const expertArb = fc.record({
        organisation: fc.constantFrom(...codes, '12320000466007236X'),
        fields: fc.subarray(['0812', '0835', '0702'], { minLength: 1 }),
        employer: fc.option(fc.constantFrom(...codes), { nil: null }),
        shareholdings: fc.subarray(codes),
        coApplications: fc.subarray(codes),
        active: fc.boolean(),
        reviewedBefore: fc.constantFrom('none', 'same-enterprise-recently', 'same-enterprise-long-ago', 'other-enterprise'),
      });
      fc.assert(
        fc.property(fc.array(expertArb, { minLength: 0, maxLength: 25 }), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), fc.integer({ min: 1, max: 5 }), (experts, s, size) => {
          const events: ExpertPoolEvent[] = [];
          experts.forEach((x, i) => {
            const expert = record(`x${i}`, { organisation: x.organisation, fields: x.fields, employer: x.employer, shareholdings: x.shareholdings, coApplications: x.coApplications });
            events.push(registered(expert));
            if (!x.active) events.push({ type: 'ExpertDeactivated', data: { city, expertId: expert.expertId, reason: 'x', deactivatedAt: '2024-02-01T00:00:00.000Z' } });
            if (x.reviewedBefore !== 'none') {
              const past: PanelDraw = {
                programmeId: 'earlier-call',
                applicationId: `earlier-${i}`,
                creditCode: x.reviewedBefore === 'other-enterprise' ? other : applicant,
                field: '0812',
                seed: s,
                poolDigest: '',
                eligible: [],
                panelSize: 1,
                cap: 10,
                drawn: [{ expertId: expert.expertId, organisation: expert.organisation, links: [] }],
                reserves: [],
                drawnAt: x.reviewedBefore === 'same-enterprise-long-ago' ? '2023-06-01T00:00:00.000Z' : '2024-03-01T00:00:00.000Z',
              };
              events.push({ type: 'ExpertsDrawn', data: past });
            }
          });
          const eligible = experts
            .map((x, i) => ({ ...x, expertId: `x${i}` }))
            .filter(
              (x) =>
                x.active &&
                x.fields.includes('0812') &&
                x.organisation !== applicant &&
                x.employer !== applicant &&
                !x.shareholdings.includes(applicant) &&
                !x.coApplications.includes(applicant) &&
                x.reviewedBefore !== 'same-enterprise-recently',
            )
            .map((x) => x.expertId);
          const command = draw({ seed: s, panelSize: size, reserveCount: 3 });
          if (eligible.length < size) {
            expect(() => expertPoolDecider.decide(command, pool(events))).toThrow(expect.objectContaining({ code: 'EXPERT_POOL_TOO_SMALL' }));
            return;
          }
          const result = drawn(events, command);
          const chosen = [...result.drawn, ...result.reserves].map((e) => e.expertId);
          expect(chosen.every((id) => eligible.includes(id))).toBe(true);
          expect(new Set(chosen).size).toBe(chosen.length);
          expect([...result.eligible].sort()).toEqual([...eligible].sort());
          expect(result.drawn).toHaveLength(size);
          expect(result.reserves).toHaveLength(Math.min(3, eligible.length - size));
        }),
        { numRuns: 300 },
      );
    });

    it('counts a reserve called in onto the panel for the cap, once (given/when/then)', () => {
      const d = drawn(twelve.map(registered), draw());
      const given: ExpertPoolEvent[] = [...twelve.map(registered), { type: 'ExpertsDrawn', data: d }];
      const panel = [...d.drawn.map((e) => e.expertId), d.reserves[0].expertId];
      const calledIn: ExpertPoolEvent = { type: 'ReserveCalledIn', data: { programmeId, applicationId, expertId: d.reserves[0].expertId, calledInAt: now.toISOString() } };
      poolSpec.given(given).when({ type: 'SyncDrawnPanel', applicationId, panel, now }).then([calledIn]);
      poolSpec.given([...given, calledIn]).when({ type: 'SyncDrawnPanel', applicationId, panel, now }).then([]);
      poolSpec.given(twelve.map(registered)).when({ type: 'SyncDrawnPanel', applicationId, panel, now }).then([]);
      // With cap 1 the called-in reserve is no longer eligible in this call.
      const next = drawn([...given, calledIn], draw({ applicationId: 'other', creditCode: other, cap: 1, reserveCount: 0 }));
      expect(next.eligible).not.toContain(d.reserves[0].expertId);
      expect(next.eligible).toContain(d.reserves[1].expertId);
    });

    it('respects the cap on panels per expert within one call', () => {
      const cap = 2;
      let events: ExpertPoolEvent[] = twelve.slice(0, 7).map(registered);
      const seats = new Map<string, number>();
      let drawsMade = 0;
      for (let i = 0; i < 10; i++) {
        const command = draw({ applicationId: `app-${i}`, creditCode: `91320594MA1W0000${String(i).padStart(2, '0')}`, seed: `cap-${i}`, cap, reserveCount: 0 });
        let result: ExpertPoolEvent[];
        try {
          result = expertPoolDecider.decide(command, pool(events));
        } catch (error) {
          expect(error).toMatchObject({ code: 'EXPERT_POOL_TOO_SMALL' });
          break;
        }
        drawsMade++;
        events = [...events, ...result];
        for (const e of (result[0].data as PanelDraw).drawn) seats.set(e.expertId, (seats.get(e.expertId) ?? 0) + 1);
      }
      expect(drawsMade).toBe(4); // 7 experts × cap 2 = 14 seats: four panels of 3, not a fifth
      for (const n of seats.values()) expect(n).toBeLessThanOrEqual(cap);
      // Another call is not capped by this one.
      expect(() => expertPoolDecider.decide(draw({ programmeId: 'another-call', applicationId: 'x', creditCode: other, cap }), pool(events))).not.toThrow();
    });
  });
});

describe('a drawn panel on the application (given/when/then)', () => {
  const terms = suzhouTerms({ review: { panelSize: 3, aggregation: 'mean', defenseSize: 2, criteria: [{ id: 'strategy', max: 30 }, { id: 'base', max: 70 }] } });
  const programme: ProgrammeContext = { programmeId, terms };
  const basis = { ruleSet: BUILT_IN_RULE_SETS[0], facts: {} };
  const submitted = applicationDecider.decide({ type: 'SubmitApplication', applicationId, programme, profile: suzhouProfile(), basis, now: new Date('2024-11-01T02:00:00Z') }, applicationDecider.initialState());
  const endorsed: ApplicationEvent = { type: 'ApplicationEndorsed', data: { applicationId, district: '320505', opinion: '同意推荐', endorsedAt: now.toISOString() } };
  const theDraw = drawn(twelve.map(registered), draw({ programmeId }));
  const recorded: ApplicationEvent = { type: 'ReviewPanelDrawn', data: theDraw };
  const spec = deciderSpec(applicationDecider);
  const [d1, d2, d3] = theDraw.drawn;
  const [r1, r2] = theDraw.reserves;
  const conflict = (expertId: string): ApplicationEvent => ({ type: 'ExpertConflictDeclared', data: { applicationId, expertId, reason: '曾任顾问', declaredAt: now.toISOString() } });
  const promoted = (expert: typeof r1, replaces: string): ApplicationEvent => ({ type: 'ReserveExpertAssigned', data: { applicationId, expert, replaces, assignedAt: now.toISOString() } });
  const score = (expertId: string): ApplicationEvent => ({
    type: 'ReviewScoresSubmitted',
    data: { applicationId, expertId, scores: [{ criterionId: 'strategy', hundredths: 2000 }, { criterionId: 'base', hundredths: 6000 }], totalHundredths: 8000, comment: '', submittedAt: now.toISOString() },
  });

  it('records the draw on an endorsed application', () => {
    spec.given([...submitted, endorsed]).when({ type: 'RecordPanelDraw', programme, draw: theDraw, now }).then([recorded]);
  });

  it('refuses a second draw, a draw before endorsement, and a draw that does not fit', () => {
    spec.given([...submitted, endorsed, recorded]).when({ type: 'RecordPanelDraw', programme, draw: theDraw, now }).thenRefuses('REVIEW_PANEL_ALREADY_ASSIGNED');
    spec.given(submitted).when({ type: 'RecordPanelDraw', programme, draw: theDraw, now }).thenRefuses('APPLICATION_STATUS_CONFLICT');
    const conflicted = { ...theDraw, drawn: [{ ...d1, links: [applicant] }, d2, d3] };
    spec.given([...submitted, endorsed]).when({ type: 'RecordPanelDraw', programme, draw: conflicted, now }).thenRefuses('REVIEW_DRAW_INVALID', { conflicted: [d1.expertId] });
    spec.given([...submitted, endorsed]).when({ type: 'RecordPanelDraw', programme, draw: { ...theDraw, drawn: [d1, d2] }, now }).thenRefuses('REVIEW_DRAW_INVALID');
  });

  it('calls in the reserves in draw order as drawn experts declare conflicts, then none', () => {
    const given = [...submitted, endorsed, recorded];
    spec.given(given).when({ type: 'DeclareConflict', expertId: d2.expertId, reason: '曾任顾问', now }).then([conflict(d2.expertId), promoted(r1, d2.expertId)]);
    const after1 = [...given, conflict(d2.expertId), promoted(r1, d2.expertId)];
    spec.given(after1).when({ type: 'DeclareConflict', expertId: r1.expertId, reason: '曾任顾问', now }).then([conflict(r1.expertId), promoted(r2, r1.expertId)]);
    const after2 = [...after1, conflict(r1.expertId), promoted(r2, r1.expertId)];
    spec.given(after2).when({ type: 'DeclareConflict', expertId: d1.expertId, reason: '曾任顾问', now }).then([conflict(d1.expertId)]);
  });

  it('is scored and closed like an assigned panel, a called-in reserve counting in place of the expert who stood down', () => {
    const given = [...submitted, endorsed, recorded, conflict(d2.expertId), promoted(r1, d2.expertId), score(d1.expertId), score(d3.expertId)];
    spec.given(given).when({ type: 'CloseReview', programme, now }).thenRefuses('REVIEW_INCOMPLETE', { missing: [r1.expertId] });
    spec.given([...given, score(r1.expertId)]).when({ type: 'CloseReview', programme, now }).thenMatches([{ type: 'ReviewClosed', data: { aggregateHundredths: 8000, totals: [{ expertId: d1.expertId }, { expertId: d3.expertId }, { expertId: r1.expertId }] } }]);
    spec.given(given).when({ type: 'SubmitReviewScores', programme, expertId: d2.expertId, scores: [{ criterionId: 'strategy', score: 20 }, { criterionId: 'base', score: 60 }], comment: '', now }).thenRefuses('EXPERT_NOT_ON_PANEL');
  });
});
