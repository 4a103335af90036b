import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import { decodeEvent } from '@ipstd/kernel';
import { DEFAULT_REMINDER_LEADS, PROGRAMME_EVENTS, ProgrammeEvent, programmeDecider, settleTerms } from '../src/domain';
import { deciderSpec } from '../../../test/support/decider-spec';
import { suzhouTerms } from '../../../test/support/fixtures';

const spec = deciderSpec(programmeDecider);
const now = new Date('2024-09-30T02:00:00Z');
const programmeId = '0190a4b2-0000-7000-8000-000000000001';
const ruleSet = BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd')!;
const open = (terms = suzhouTerms()) => ({ type: 'OpenProgramme' as const, programmeId, terms, ruleSet, now });
const opened: ProgrammeEvent = { type: 'ProgrammeOpened', data: { programmeId, openedAt: now.toISOString(), terms: settleTerms(suzhouTerms()) } };

describe('programme call', () => {
  describe('not yet opened', () => {
    it('opens with every parameter of the call recorded', () => {
      spec.given([]).when(open()).then([opened]);
    });

    it.each([
      ['a tranche plan that does not add up to 100 %', suzhouTerms({ tranchePlan: [{ percent: 50, trigger: 'award' }] }), 'tranchePlan'],
      ['a window that closes before it opens', suzhouTerms({ window: { opensAt: '2024-11-18T00:00:00+08:00', closesAt: '2024-11-17T23:59:59+08:00' } }), 'window'],
      ['an endorsement deadline before the close', suzhouTerms({ endorsementDeadline: '2024-11-16T23:59:59+08:00' }), 'endorsementDeadline'],
      ['an implementation period over 24 months (004 五)', suzhouTerms({ implementationMonths: 25 }), 'implementationMonths'],
      ['a lead time as long as the implementation period', suzhouTerms({ acceptanceLeadMonths: 24 }), 'acceptanceLeadMonths'],
      ['a trimmed mean with fewer than 5 experts', suzhouTerms({ review: { ...suzhouTerms().review, panelSize: 3 } }), 'review.aggregation'],
      ['duplicate criterion ids', suzhouTerms({ review: { ...suzhouTerms().review, criteria: [{ id: 'a', max: 1 }, { id: 'a', max: 2 }] } }), 'review.criteria'],
      ['a city the product does not serve', suzhouTerms({ city: '110100' }), 'city'],
      ['a zero budget', suzhouTerms({ budgetFen: 0 }), 'budgetFen'],
      ['a reminder lead of 0 working days', suzhouTerms({ reminders: { endorsement: 0 } }), 'reminders.endorsement'],
      ['a reminder lead over 60 working days', suzhouTerms({ reminders: { clawbackDue: 61 } }), 'reminders.clawbackDue'],
      ['a fractional reminder lead', suzhouTerms({ reminders: { midTermInspection: 1.5 } }), 'reminders.midTermInspection'],
      ['a review scoring deadline before the window closes', suzhouTerms({ schedule: { reviewScoresDueAt: '2024-11-17T12:00:00+08:00' } }), 'schedule.reviewScoresDueAt'],
      ['a mid-term inspection after the implementation period', suzhouTerms({ schedule: { midTermInspectionMonths: 24 } }), 'schedule.midTermInspectionMonths'],
    ])('refuses %s', (_, terms, field) => {
      spec.given([]).when(open(terms)).thenRefuses('PROGRAMME_TERMS_INVALID', { field });
    });
  });

  it("refuses to pin another city's rule set", () => {
    const rizhao = BUILT_IN_RULE_SETS.find((r) => r.id === 'rizhao-pilot')!;
    spec.given([]).when({ ...open(), ruleSet: rizhao }).thenRefuses('PROGRAMME_TERMS_INVALID', { field: 'ruleSet' });
  });

  it('refuses a call opening outside the rule set\'s effective period', () => {
    const late = suzhouTerms({ window: { opensAt: '2025-01-02T00:00:00+08:00', closesAt: '2025-03-01T00:00:00+08:00' }, endorsementDeadline: '2025-03-04T00:00:00+08:00' });
    spec.given([]).when(open(late)).thenRefuses('RULE_SET_NOT_EFFECTIVE', { field: 'ruleSet' });
  });

  it('records every reminder lead time and the schedule, the defaults where the call left them out', () => {
    const terms = suzhouTerms({ reminders: { endorsement: 3 }, schedule: { reviewScoresDueAt: '2024-12-06T17:00:00+08:00' } });
    spec.given([]).when(open(terms)).then([
      {
        type: 'ProgrammeOpened',
        data: {
          programmeId,
          openedAt: now.toISOString(),
          terms: {
            ...terms,
            reminders: { endorsement: 3, reviewScoring: 2, defenseScoring: 1, acceptanceRequest: 10, midTermInspection: 10, clawbackDue: 5, publicNoticeEnding: 1 },
            schedule: { reviewScoresDueAt: '2024-12-06T17:00:00+08:00', defenseScoresDueAt: null, midTermInspectionMonths: 12 },
          },
        },
      },
    ]);
  });

  // Stored JSON as each earlier version wrote it (main's v1, then v2 with the public notice): never edited.
  const storedTerms = {
    code: 'SZ-2024-IPSTD', title: '2024年度苏州市知识产权和标准融合计划项目', city: '320500', ruleSet: { id: 'suzhou-2024-ipstd', version: 1 },
    window: { opensAt: '2024-10-08T00:00:00+08:00', closesAt: '2024-11-17T23:59:59+08:00' }, endorsementDeadline: '2024-11-20T23:59:59+08:00', budgetFen: 2000000000,
    tranchePlan: [{ percent: 50, trigger: 'award' }, { percent: 50, trigger: 'acceptance-passed' }],
    review: { panelSize: 5, aggregation: 'trimmed-mean', defenseSize: 10, criteria: [{ id: 'strategy', max: 30 }, { id: 'ip-standards-base', max: 40 }, { id: 'targets', max: 30 }] },
    implementationMonths: 1, acceptanceLeadMonths: 0,
  };
  const storedV1 = `{"programmeId":"${programmeId}","openedAt":"2024-09-01T00:00:00.000Z","terms":${JSON.stringify(storedTerms)}}`;
  const storedV2 = `{"programmeId":"${programmeId}","openedAt":"2024-09-01T00:00:00.000Z","terms":${JSON.stringify({
    ...storedTerms, implementationMonths: 24, acceptanceLeadMonths: 3, publicNotice: { workingDays: 7 }, reviewRequest: null, phases: 'after-close',
  })}}`;
  const decodeOpened = (version: number, json: string) => (decodeEvent(PROGRAMME_EVENTS, 'ProgrammeOpened', version, JSON.parse(json)) as Extract<ProgrammeEvent, { type: 'ProgrammeOpened' }>).data;

  it('reads a ProgrammeOpened stored as v1 through v2 to v3: no notice, rolling, the default lead times', () => {
    const data = decodeOpened(1, storedV1);
    expect(data.terms).toEqual({
      ...storedTerms,
      publicNotice: null,
      reviewRequest: null,
      phases: 'rolling',
      reminders: DEFAULT_REMINDER_LEADS,
      schedule: { reviewScoresDueAt: null, defenseScoresDueAt: null, midTermInspectionMonths: null },
    });
  });

  it('reads a ProgrammeOpened stored as v2 (public notice, no reminder settings) as v3 with its notice kept and the default lead times', () => {
    const data = decodeOpened(2, storedV2);
    expect(data.terms.publicNotice).toEqual({ workingDays: 7 });
    expect(data.terms.reviewRequest).toBeNull();
    expect(data.terms.phases).toBe('after-close');
    expect(data.terms.reminders).toEqual(DEFAULT_REMINDER_LEADS);
    expect(data.terms.schedule).toEqual({ reviewScoresDueAt: null, defenseScoresDueAt: null, midTermInspectionMonths: 12 });
    expect(decodeOpened(3, JSON.stringify(data))).toEqual(data);
  });

  describe('already opened', () => {
    it('refuses to open the same code again', () => {
      spec.given([opened]).when(open()).thenRefuses('PROGRAMME_CODE_TAKEN');
    });
  });
});
