import { BilingualText, DomainError, assertNever } from '@ipstd/kernel';
import { STANDARD_LEVELS } from './profile';
import { INSPECTION_STAGES, InspectionStage, RuleSet, RuleSetRef, TargetEvidence, TargetRequirement } from './types';
import { anything, at, bilingual, Check, clauseId, integer, isObject, list, oneOf, report, shape, text } from './checks';
import { compare, joinTexts, levelsText } from './text';

type EvidenceType = 'flag' | 'count' | 'year-pair' | 'standards' | 'meetings';

/** Every evidence field a target may ask for, its type and how explanations name it (`unit`: the Chinese measure word). */
export const EVIDENCE_FIELDS: Readonly<Record<keyof TargetEvidence, { readonly type: EvidenceType; readonly label: BilingualText; readonly unit?: string }>> = {
  collaborationSystem: { type: 'flag', label: { zh: '知识产权和标准协同创新工作体系', en: 'IP-and-standards collaborative innovation system' } },
  collaborationCentreOrAlliance: { type: 'flag', label: { zh: '建立或参与产业知识产权和标准协同创新中心（联盟）', en: 'founded or joined an industry IP-and-standards collaboration centre (alliance)' } },
  patentPool: { type: 'flag', label: { zh: '标准必要专利（标准相关专利）专利池', en: 'standard-essential (standard-related) patent pool' } },
  licensedPatents: {
    type: 'count',
    label: { zh: '经交易场所许可、交易或从高校科研院所获得的专利（组合）', en: 'patents (portfolios) licensed or traded through a qualified exchange or obtained from universities and institutes' },
    unit: '件',
  },
  standardisedPatentIntensiveProducts: {
    type: 'count',
    label: { zh: '备案认定并形成技术标准的专利密集型产品', en: 'recorded patent-intensive products turned into standards' },
    unit: '项',
  },
  standardsFromOwnIp: { type: 'standards', label: { zh: '自主知识产权成果转化的技术标准', en: 'standards converted from own IP' } },
  collaborationMeetings: { type: 'meetings', label: { zh: '知识产权与标准协同创新工作会议', en: 'IP-and-standards collaboration meetings' } },
  ipStandardsShareOfRdPercent: { type: 'year-pair', label: { zh: '知识产权和标准工作经费占科研经费比例（%）', en: 'IP and standards spending as a share of R&D spending (%)' } },
  leadershipGroup: { type: 'flag', label: { zh: '知识产权和标准融合领导小组', en: 'IP-and-standards leadership group' } },
  ipStandardsDirector: { type: 'flag', label: { zh: '知识产权和标准总监', en: 'IP-and-standards director' } },
  certifiedStaff: { type: 'count', label: { zh: '通过融合能力提升培训考核并获证书的人员', en: 'staff certified in IP-and-standards integration training' }, unit: '人' },
  publicity: { type: 'flag', label: { zh: '通过媒体宣传典型经验和工作成效', en: 'publicity of results in the media' } },
  onSiteDemonstration: { type: 'flag', label: { zh: '协同创新示范现场会', en: 'on-site demonstration meeting' } },
  summaryChars: { type: 'count', label: { zh: '工作总结字数', en: 'characters in the work summary' }, unit: '字' },
  domesticMarketSharePercent: { type: 'year-pair', label: { zh: '国内同类产品市场占有率（%）', en: 'domestic market share of the product (%)' } },
};

const CHECK_TYPES: Readonly<Record<TargetRequirement['check'], EvidenceType>> = {
  true: 'flag',
  'at-least': 'count',
  rising: 'year-pair',
  standards: 'standards',
  meetings: 'meetings',
};

const REQUIREMENT_FIELDS: Readonly<Record<TargetRequirement['check'], Record<string, Check>>> = {
  true: { check: anything, field: anything },
  'at-least': { check: anything, field: anything, min: integer(0) },
  rising: { check: anything, field: anything },
  standards: { check: anything, field: anything, min: integer(0), minAtLevels: integer(0), levels: list(oneOf(STANDARD_LEVELS), { min: 1, unique: true }) },
  meetings: { check: anything, field: anything, min: integer(0), minExperts: integer(0) },
};

const requirement: Check = (value, path, out) => {
  if (!isObject(value)) return report(out, path, '必须是对象', 'must be an object');
  const checks = Object.keys(CHECK_TYPES);
  const fields = Object.keys(EVIDENCE_FIELDS);
  oneOf(checks)(value.check, at(path, 'check'), out);
  oneOf(fields)(value.field, at(path, 'field'), out);
  if (!checks.includes(value.check as string)) return;
  const check = value.check as TargetRequirement['check'];
  shape(REQUIREMENT_FIELDS[check])(value, path, out);
  const field = typeof value.field === 'string' && Object.hasOwn(EVIDENCE_FIELDS, value.field) ? EVIDENCE_FIELDS[value.field as keyof TargetEvidence] : undefined;
  if (field && field.type !== CHECK_TYPES[check]) {
    report(out, at(path, 'field'), `检查“${check}”需要 ${CHECK_TYPES[check]} 类证据，该字段为 ${field.type}`, `check '${check}' needs ${CHECK_TYPES[check]} evidence; this field is ${field.type}`);
  }
};

export const targetCheck: Check = shape({
  id: clauseId,
  citation: text,
  description: bilingual,
  stages: list(oneOf(INSPECTION_STAGES), { min: 1, unique: true }),
  requirements: list(requirement, { min: 1 }),
});

export type TargetOutcome = 'met' | 'not-met' | 'no-evidence';

export interface TargetResult {
  readonly id: string;
  readonly citation: string;
  readonly outcome: TargetOutcome;
  readonly inputs: Record<string, unknown>;
  readonly explanation: BilingualText;
}

export interface TargetsAssessment {
  readonly ruleSet: RuleSetRef;
  readonly stage: InspectionStage;
  /** `not-met` if any target is not met, else `no-evidence` if any lacks evidence, else `met`. */
  readonly outcome: TargetOutcome;
  readonly targets: TargetResult[];
}

/**
 * Checks the performance targets (绩效目标, 004_39c6efd61937e065.txt 四(二)) due at a stage against
 * the evidence filed. Evidence that shows a requirement broken makes the target `not-met` even when
 * other evidence is missing; missing evidence alone gives `no-evidence`, never a silent pass.
 */
export function evaluateTargets(ruleSet: RuleSet, evidence: Partial<TargetEvidence>, stage: InspectionStage): TargetsAssessment {
  if (!ruleSet.targets) {
    throw new DomainError('RULE_SET_HAS_NO_TARGETS', 'rule', { zh: '该规则集未定义绩效目标', en: 'This rule set defines no performance targets' }, { ruleSet: ruleSet.id, version: ruleSet.version });
  }
  const targets = ruleSet.targets
    .filter((target) => target.stages.includes(stage))
    .map((target): TargetResult => {
      const results = target.requirements.map((req) => ({ field: req.field, ...assess(req, evidence[req.field]) }));
      return {
        id: target.id,
        citation: target.citation,
        outcome: worst(results.map((r) => r.outcome)),
        inputs: Object.fromEntries(results.map((r) => [r.field, evidence[r.field] ?? null])),
        explanation: joinTexts(results.map((r) => r.text)),
      };
    });
  return { ruleSet: { id: ruleSet.id, version: ruleSet.version }, stage, outcome: worst(targets.map((t) => t.outcome)), targets };
}

function worst(outcomes: readonly TargetOutcome[]): TargetOutcome {
  if (outcomes.includes('not-met')) return 'not-met';
  if (outcomes.includes('no-evidence')) return 'no-evidence';
  return 'met';
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function assess(req: TargetRequirement, value: unknown): { outcome: TargetOutcome; text: BilingualText } {
  const label = EVIDENCE_FIELDS[req.field].label;
  const missing = { outcome: 'no-evidence' as const, text: { zh: `${label.zh}：未提供证据`, en: `${label.en}: no evidence` } };
  const outcome = (ok: boolean): TargetOutcome => (ok ? 'met' : 'not-met');
  switch (req.check) {
    case 'true':
      if (typeof value !== 'boolean') return missing;
      return { outcome: outcome(value), text: { zh: `${label.zh}：${value ? '是' : '否'}`, en: `${label.en}: ${value ? 'yes' : 'no'}` } };
    case 'at-least': {
      if (!isCount(value)) return missing;
      const unit = EVIDENCE_FIELDS[req.field].unit ?? '';
      const sign = compare(value, req.min);
      return { outcome: outcome(value >= req.min), text: { zh: `${label.zh} ${value} ${unit} ${sign.zh} ${req.min} ${unit}`, en: `${label.en}: ${value} ${sign.en} ${req.min}` } };
    }
    case 'rising': {
      if (!isObject(value) || !isCount(value.lastYear) || !isCount(value.thisYear)) return missing;
      const rising = value.thisYear > value.lastYear;
      return {
        outcome: outcome(rising),
        text: {
          zh: `${label.zh}：上年 ${value.lastYear}，本年 ${value.thisYear}，${rising ? '递增' : '未递增'}`,
          en: `${label.en}: ${value.lastYear} last year, ${value.thisYear} this year, ${rising ? 'rising' : 'not rising'}`,
        },
      };
    }
    case 'standards': {
      if (!Array.isArray(value)) return missing;
      const levelOf = new Map<string, unknown>();
      for (const s of value) if (isObject(s) && typeof s.code === 'string' && !levelOf.has(s.code)) levelOf.set(s.code, s.level);
      const total = levelOf.size;
      const atLevels = [...levelOf.values()].filter((level) => (req.levels as readonly unknown[]).includes(level)).length;
      const [t, l] = [compare(total, req.min), compare(atLevels, req.minAtLevels)];
      const levels = levelsText(req.levels);
      return {
        outcome: outcome(total >= req.min && atLevels >= req.minAtLevels),
        text: {
          zh: `${label.zh} ${total} 项 ${t.zh} ${req.min} 项，其中${levels.zh}标准 ${atLevels} 项 ${l.zh} ${req.minAtLevels} 项`,
          en: `${total} ${label.en} ${t.en} ${req.min}, of which ${atLevels} ${levels.en} ${l.en} ${req.minAtLevels}`,
        },
      };
    }
    case 'meetings': {
      if (!Array.isArray(value)) return missing;
      const qualifying = value.filter((m) => isObject(m) && isCount(m.experts) && m.experts >= req.minExperts).length;
      const sign = compare(qualifying, req.min);
      return {
        outcome: outcome(qualifying >= req.min),
        text: {
          zh: `与会专家不少于 ${req.minExperts} 人的${label.zh} ${qualifying} 次 ${sign.zh} ${req.min} 次`,
          en: `${qualifying} ${label.en} with ≥ ${req.minExperts} experts ${sign.en} ${req.min}`,
        },
      };
    }
    default:
      return assertNever(req);
  }
}
