import { DomainError } from '@ipstd/kernel';
import { evaluateTargets, TargetEvidence, validateRuleSet } from '../src';
import { copyOf, RIZHAO_V1, SUZHOU_V1 } from './support';

const complete: TargetEvidence = {
  collaborationSystem: true,
  collaborationCentreOrAlliance: true,
  patentPool: true,
  licensedPatents: 5,
  standardisedPatentIntensiveProducts: 1,
  standardsFromOwnIp: [
    { code: 'GB/T 50001-2025', level: 'national' },
    { code: 'T/SZ 12-2025', level: 'group' },
    { code: 'Q/SZ 3-2025', level: 'enterprise' },
  ],
  collaborationMeetings: [{ heldOn: '2025-06-18', experts: 50 }],
  ipStandardsShareOfRdPercent: { lastYear: 3.2, thisYear: 3.5 },
  leadershipGroup: true,
  ipStandardsDirector: true,
  certifiedStaff: 3,
  publicity: true,
  onSiteDemonstration: true,
  summaryChars: 5000,
  domesticMarketSharePercent: { lastYear: 11, thisYear: 12.5 },
};

const target = (evidence: Partial<TargetEvidence>, id: string, stage: 'mid-term' | 'acceptance' = 'acceptance') => {
  const found = evaluateTargets(SUZHOU_V1, evidence, stage).targets.find((t) => t.id === id);
  if (!found) throw new Error(`no target ${id} at ${stage}`);
  return found;
};

describe('Suzhou 2024 performance targets (004_39c6efd61937e065.txt 四(二))', () => {
  describe('with complete evidence at the thresholds', () => {
    it('meets every target at acceptance', () => {
      const result = evaluateTargets(SUZHOU_V1, complete, 'acceptance');
      expect(result.outcome).toBe('met');
      expect(result.targets.map((t) => [t.id, t.outcome])).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8'].map((t) => [`SZ24-${t}`, 'met']));
      expect(result.targets[0].citation).toBe('004_39c6efd61937e065.txt 四(二)1');
    });

    it('checks T1–T7 at mid-term; the work summary and market share (T8) wait for acceptance', () => {
      expect(evaluateTargets(SUZHOU_V1, complete, 'mid-term').targets.map((t) => t.id)).toEqual(['SZ24-T1', 'SZ24-T2', 'SZ24-T3', 'SZ24-T4', 'SZ24-T5', 'SZ24-T6', 'SZ24-T7']);
    });
  });

  describe('one requirement short', () => {
    it.each<[string, string, Partial<TargetEvidence>]>([
      ['SZ24-T1', 'no patent pool', { patentPool: false }],
      ['SZ24-T2', '4 licensed patents', { licensedPatents: 4 }],
      ['SZ24-T2', 'no standardised patent-intensive product', { standardisedPatentIntensiveProducts: 0 }],
      ['SZ24-T3', '2 standards from own IP', { standardsFromOwnIp: complete.standardsFromOwnIp.slice(0, 2) }],
      ['SZ24-T3', '3 standards, only 1 above enterprise level', { standardsFromOwnIp: [{ code: 'GB/T 1', level: 'national' }, { code: 'Q/A 1', level: 'enterprise' }, { code: 'Q/A 2', level: 'enterprise' }] }],
      ['SZ24-T3', 'one standard listed three times', { standardsFromOwnIp: [{ code: 'GB/T 1', level: 'national' }, { code: 'GB/T 1', level: 'national' }, { code: 'GB/T 1', level: 'national' }] }],
      ['SZ24-T4', 'a meeting with 49 experts', { collaborationMeetings: [{ heldOn: '2025-06-18', experts: 49 }] }],
      ['SZ24-T4', 'no meeting', { collaborationMeetings: [] }],
      ['SZ24-T5', 'an unchanged share of R&D spending', { ipStandardsShareOfRdPercent: { lastYear: 3.5, thisYear: 3.5 } }],
      ['SZ24-T6', '2 certified staff', { certifiedStaff: 2 }],
      ['SZ24-T6', 'no director', { ipStandardsDirector: false }],
      ['SZ24-T7', 'no on-site demonstration', { onSiteDemonstration: false }],
      ['SZ24-T8', 'a summary of 4999 characters', { summaryChars: 4999 }],
      ['SZ24-T8', 'a falling market share', { domesticMarketSharePercent: { lastYear: 12, thisYear: 11 } }],
    ])('%s is not met with %s', (id, _, change) => {
      const result = evaluateTargets(SUZHOU_V1, { ...complete, ...change }, 'acceptance');
      expect(result.targets.filter((t) => t.outcome !== 'met').map((t) => [t.id, t.outcome])).toEqual([[id, 'not-met']]);
      expect(result.outcome).toBe('not-met');
    });
  });

  describe('explanations', () => {
    it.each<[string, Partial<TargetEvidence>, string, string]>([
      ['SZ24-T2', { licensedPatents: 4 }, '经交易场所许可、交易或从高校科研院所获得的专利（组合） 4 件 < 5 件', 'obtained from universities and institutes: 4 < 5'],
      ['SZ24-T3', {}, '自主知识产权成果转化的技术标准 3 项 ≥ 3 项，其中国际、国家、行业、地方、团体标准 2 项 ≥ 2 项', '3 standards converted from own IP ≥ 3, of which 2 international/national/industry/local/group ≥ 2'],
      ['SZ24-T4', { collaborationMeetings: [{ heldOn: '2025-06-18', experts: 49 }] }, '与会专家不少于 50 人的知识产权与标准协同创新工作会议 0 次 < 1 次', '0 IP-and-standards collaboration meetings with ≥ 50 experts < 1'],
      ['SZ24-T5', {}, '上年 3.2，本年 3.5，递增', '3.2 last year, 3.5 this year, rising'],
    ])('%s gives the numbers', (id, change, zh, en) => {
      const result = target({ ...complete, ...change }, id);
      expect(result.explanation.zh).toContain(zh);
      expect(result.explanation.en).toContain(en);
    });

    it('records the evidence it used', () => {
      expect(target(complete, 'SZ24-T6').inputs).toEqual({ leadershipGroup: true, ipStandardsDirector: true, certifiedStaff: 3 });
    });
  });

  describe('missing evidence', () => {
    it('is no-evidence, never a silent pass', () => {
      const result = evaluateTargets(SUZHOU_V1, {}, 'mid-term');
      expect(result.outcome).toBe('no-evidence');
      expect(result.targets.every((t) => t.outcome === 'no-evidence')).toBe(true);
      expect(result.targets[0].explanation.en).toContain('no evidence');
    });

    it('does not hide a requirement shown broken', () => {
      expect(target({ leadershipGroup: false }, 'SZ24-T6').outcome).toBe('not-met');
      expect(target({ leadershipGroup: true }, 'SZ24-T6').outcome).toBe('no-evidence');
    });

    it('treats malformed evidence as missing', () => {
      expect(target({ certifiedStaff: Number.NaN, leadershipGroup: true, ipStandardsDirector: true }, 'SZ24-T6').outcome).toBe('no-evidence');
      expect(target({ ipStandardsShareOfRdPercent: { lastYear: 3 } as never }, 'SZ24-T5').outcome).toBe('no-evidence');
    });
  });

  it('reads a changed threshold from data: a version accepting a summary of about 5000 as 4500', () => {
    const v2 = copyOf(SUZHOU_V1);
    v2.version = 2;
    v2.targets[7].requirements[0].min = 4500;
    const evidence = { ...complete, summaryChars: 4600 };
    expect(target(evidence, 'SZ24-T8').outcome).toBe('not-met');
    expect(evaluateTargets(validateRuleSet(v2), evidence, 'acceptance').targets[7].outcome).toBe('met');
  });

  it('refuses a rule set without targets', () => {
    expect(() => evaluateTargets(RIZHAO_V1, complete, 'acceptance')).toThrow(DomainError);
    expect(() => evaluateTargets(RIZHAO_V1, complete, 'acceptance')).toThrow(expect.objectContaining({ code: 'RULE_SET_HAS_NO_TARGETS' }));
  });
});
