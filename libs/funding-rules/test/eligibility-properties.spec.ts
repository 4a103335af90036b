import fc from 'fast-check';
import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { ClauseOutcome, EligibilityProfile, STANDARD_LEVELS, STANDARD_ROLES } from '../src';
import { CREDIT_CODES } from '../../../test/support/fixtures';
import { assess, RIZHAO_V1, SUZHOU_V1 } from './support';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const PRIORITY_IDS = ['china-patent-award', 'jiangsu-patent-award', 'suzhou-patent-award', 'ip-peak-plan', 'standards-body-secretariat'];

const isoDate = fc
  .record({ year: fc.integer({ min: 1995, max: 2035 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) })
  .map(({ year, month, day }) => `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);

const validCode = fc
  .record({ division: fc.integer({ min: 110000, max: 659999 }), tail: fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 9, maxLength: 9 }) })
  .map(({ division, tail }) => {
    const first17 = `91${division}${tail}`;
    return first17 + creditCodeCheckCharacter(first17);
  });

const creditCode = fc.oneof(fc.constantFrom(...Object.values(CREDIT_CODES)), validCode, fc.string({ maxLength: 20 }));
const count = fc.nat({ max: 200 });

const profileArb: fc.Arbitrary<EligibilityProfile> = fc.record({
  enterprise: fc.record({ creditCode, independentLegalPerson: fc.boolean() }),
  finance: fc.record({
    assetsHealthy: fc.boolean(),
    years: fc.array(
      fc.record({ year: fc.integer({ min: 2015, max: 2035 }), revenueFen: fc.integer({ min: 0, max: 10 ** 13 }), netProfitFen: fc.integer({ min: -(10 ** 12), max: 10 ** 12 }) }),
      { maxLength: 5 },
    ),
  }),
  ip: fc.record({
    managementSystem: fc.boolean(),
    department: fc.boolean(),
    staff: count,
    validPatents: count,
    validInventionPatents: count,
    pctNationalPhaseApplications: fc.nat({ max: 20 }),
  }),
  standards: fc.record({
    systemCoveragePercent: fc.double({ min: 0, max: 100, noNaN: true }),
    department: fc.boolean(),
    staff: count,
    participations: fc.array(
      fc.record({
        code: fc.oneof(fc.constantFrom('GB/T 1-2020', 'ISO 2-2022', 'SJ/T 3-2021', 'T/SZ 4-2023'), fc.string({ maxLength: 12 })),
        level: fc.constantFrom(...STANDARD_LEVELS),
        role: fc.constantFrom(...STANDARD_ROLES),
        publishedOn: fc.oneof(isoDate, fc.constant('not a date')),
      }),
      { maxLength: 6 },
    ),
  }),
  quality: fc.record({ qmsCertified: fc.boolean(), registeredTrademarks: count }),
  credit: fc.record({ seriousDishonesty: fc.boolean(), abnormalPatentApplications: fc.boolean() }),
  awards: fc.array(fc.oneof(fc.constantFrom(...PRIORITY_IDS), fc.string({ maxLength: 10 })), { maxLength: 4 }),
});

const facts = fc.record({ seriousDishonesty: fc.boolean(), abnormalPatentApplications: fc.boolean() }, { requiredKeys: [] });
const ruleSet = fc.constantFrom(SUZHOU_V1, RIZHAO_V1);

const RANK: Record<ClauseOutcome, number> = { pass: 0, 'not-applicable': 0, finding: 1, fail: 2 };
const ranks = (p: EligibilityProfile, referenceDate: string, f = {}) => assess(p, { referenceDate, facts: f }).clauses.map((c) => RANK[c.outcome]);

describe('eligibility evaluation, over arbitrary well-formed profiles', () => {
  it('never throws and always explains every clause in both languages', () => {
    fc.assert(
      fc.property(ruleSet, profileArb, isoDate, facts, (rules, p, referenceDate, f) => {
        const assessment = assess(p, { referenceDate, facts: f }, rules);
        expect(assessment.clauses).toHaveLength(rules.clauses.filter((c) => c.kind !== 'priority-list').length);
        for (const c of assessment.clauses) {
          expect(['pass', 'fail', 'finding', 'not-applicable']).toContain(c.outcome);
          expect(c.explanation.zh.length).toBeGreaterThan(0);
          expect(c.explanation.en.length).toBeGreaterThan(0);
        }
        const expected = assessment.clauses.some((c) => c.outcome === 'fail')
          ? 'ineligible'
          : assessment.clauses.some((c) => c.outcome === 'finding')
            ? 'needs-review'
            : 'eligible';
        expect(assessment.outcome).toBe(expected);
      }),
    );
  });

  it('is deterministic and survives a JSON round trip unchanged (it is stored in events)', () => {
    fc.assert(
      fc.property(ruleSet, profileArb, isoDate, facts, (rules, p, referenceDate, f) => {
        const first = assess(p, { referenceDate, facts: f }, rules);
        const second = assess(structuredClone(p), { referenceDate, facts: { ...f } }, rules);
        expect(second).toEqual(first);
        expect(JSON.parse(JSON.stringify(first))).toEqual(first);
      }),
    );
  });

  it('is monotone in the thresholds: more patents, coverage, staff, trademarks or standards never worsen a clause', () => {
    const more = fc.record({ patents: count, inventions: count, pct: fc.nat({ max: 10 }), coverage: fc.double({ min: 0, max: 100, noNaN: true }), staff: count, trademarks: count });
    fc.assert(
      fc.property(profileArb, isoDate, more, fc.array(fc.record({ code: fc.string({ maxLength: 8 }), level: fc.constantFrom(...STANDARD_LEVELS), role: fc.constantFrom(...STANDARD_ROLES), publishedOn: isoDate }), { maxLength: 3 }), (p, referenceDate, d, extra) => {
        const better: EligibilityProfile = {
          ...p,
          ip: {
            ...p.ip,
            validPatents: p.ip.validPatents + d.patents,
            validInventionPatents: p.ip.validInventionPatents + d.inventions,
            pctNationalPhaseApplications: p.ip.pctNationalPhaseApplications + d.pct,
            staff: p.ip.staff + d.staff,
          },
          standards: {
            ...p.standards,
            systemCoveragePercent: Math.min(100, p.standards.systemCoveragePercent + d.coverage),
            staff: p.standards.staff + d.staff,
            participations: [...p.standards.participations, ...extra],
          },
          quality: { ...p.quality, registeredTrademarks: p.quality.registeredTrademarks + d.trademarks },
        };
        const before = ranks(p, referenceDate);
        ranks(better, referenceDate).forEach((rank, i) => expect(rank).toBeLessThanOrEqual(before[i]));
      }),
    );
  });

  it('is monotone in the conditions: gaining a system, department, certification or legal personality never worsens a clause', () => {
    fc.assert(
      fc.property(profileArb, isoDate, (p, referenceDate) => {
        const better: EligibilityProfile = {
          ...p,
          enterprise: { ...p.enterprise, independentLegalPerson: true },
          finance: { ...p.finance, assetsHealthy: true },
          ip: { ...p.ip, managementSystem: true, department: true },
          standards: { ...p.standards, department: true },
          quality: { ...p.quality, qmsCertified: true },
        };
        const before = ranks(p, referenceDate);
        ranks(better, referenceDate).forEach((rank, i) => expect(rank).toBeLessThanOrEqual(before[i]));
      }),
    );
  });

  it('never improves a clause on a dishonesty record or an abnormal-application notice', () => {
    fc.assert(
      fc.property(profileArb, isoDate, facts, fc.constantFrom('seriousDishonesty', 'abnormalPatentApplications'), (p, referenceDate, f, key) => {
        const before = ranks(p, referenceDate, f);
        ranks(p, referenceDate, { ...f, [key]: true }).forEach((rank, i) => expect(rank).toBeGreaterThanOrEqual(before[i]));
      }),
    );
  });

  it('never loses a priority item when the applicant gains an award', () => {
    fc.assert(
      fc.property(profileArb, isoDate, fc.constantFrom(...PRIORITY_IDS), (p, referenceDate, award) => {
        const before = assess(p, { referenceDate }).priority[0].items;
        const after = assess({ ...p, awards: [...p.awards, award] }, { referenceDate }).priority[0].items;
        expect(after).toEqual(expect.arrayContaining(before));
        expect(after).toContain(award);
      }),
    );
  });
});
