import { grantDecider, lastAcceptanceRequestAt } from '../src';
import { deciderSpec } from '../../../test/support/decider-spec';
import { awardGrant, history, requestAcceptance, sign } from './support';

const spec = deciderSpec(grantDecider);
const second = 1000;

/** 004_39c6efd61937e065.txt 五(三): 项目承担单位应当在实施期截止日前3个月提出项目验收申请. */
describe('acceptance request deadline', () => {
  describe('in implementation, awarded 2025-01-10 10:00 Asia/Shanghai for 24 months', () => {
    const started = history(awardGrant({ now: new Date('2025-01-10T02:00:00Z') }), sign(new Date('2025-01-20T02:00:00Z')));
    const lastAllowed = new Date('2026-10-10T02:00:00Z');

    it('is accepted at exactly 3 months before the end of the period', () => {
      spec.given(started).when(requestAcceptance(lastAllowed)).thenMatches([{ type: 'AcceptanceRequested', data: { requestedAt: lastAllowed.toISOString() } }]);
    });

    it('is refused one second later, naming the last allowed date in Asia/Shanghai', () => {
      const error = spec
        .given(started)
        .when(requestAcceptance(new Date(lastAllowed.getTime() + second)))
        .thenRefuses('ACCEPTANCE_REQUEST_TOO_LATE', { lastAllowedAt: '2026-10-10T02:00:00.000Z', endsAt: '2027-01-10T02:00:00.000Z', acceptanceLeadMonths: 3 });
      expect(error.kind).toBe('rule');
      expect(error.text.zh).toContain('2026-10-10 10:00:00（北京时间）');
      expect(error.text.zh).toContain('3 个月');
      expect(error.text.en).toContain('2026-10-10 10:00:00 Asia/Shanghai');
      expect(error.text.en).toContain('2027-01-10 10:00:00 Asia/Shanghai');
    });
  });

  describe('awarded just after midnight in Shanghai, the day before in UTC', () => {
    /** 2025-04-01 00:30 in Shanghai: 24 months → 2027-04-01 00:30; less 3 → 2027-01-01 00:30, which is 2026-12-31 in UTC. */
    const started = history(awardGrant({ now: new Date('2025-03-31T16:30:00Z') }), sign(new Date('2025-04-02T02:00:00Z')));

    it('counts the months on the Shanghai calendar', () => {
      spec.given(started).when(requestAcceptance(new Date('2026-12-31T16:30:00Z'))).thenMatches([{ type: 'AcceptanceRequested', data: { lastAllowedAt: '2026-12-31T16:30:00.000Z' } }]);
      const error = spec.given(started).when(requestAcceptance(new Date('2026-12-31T16:30:01Z'))).thenRefuses('ACCEPTANCE_REQUEST_TOO_LATE');
      expect(error.text.zh).toContain('2027-01-01 00:30:00');
    });
  });

  describe('awarded on the last day of a month', () => {
    it('clamps to the last day of a shorter month (2026-05-31 less 3 months is 2026-02-28)', () => {
      const state = grantDecider.evolve(grantDecider.initialState(), history(awardGrant({ now: new Date('2025-05-31T01:00:00Z'), implementationMonths: 12 }))[0]);
      expect(state.status === 'none' ? null : state.implementation.endsAt).toBe('2026-05-31T01:00:00.000Z');
      expect(state.status === 'none' ? null : lastAcceptanceRequestAt(state).toISOString()).toBe('2026-02-28T01:00:00.000Z');
    });
  });
});
