import { BUILT_IN_WORKING_DAY_YEARS, calendarOf } from '@ipstd/funding-rules';
import { decodeEvent } from '@ipstd/kernel';
import { PROGRAMME_EVENTS, ProgrammeEvent, ProgrammeState, noticeClearance, programmeDecider, settleTerms } from '../src/domain';
import { deciderSpec } from '../../../test/support/decider-spec';
import { suzhouTerms } from '../../../test/support/fixtures';

const spec = deciderSpec(programmeDecider);
const calendar = calendarOf(BUILT_IN_WORKING_DAY_YEARS);
const programmeId = '0190a4b2-0000-7000-8000-000000000001';
const appA = '0190a4b2-0000-7000-8000-00000000000a';
const appB = '0190a4b2-0000-7000-8000-00000000000b';
const noticeId = '0190a4b2-0000-7000-8000-0000000000e1';
const bureau = { sub: 'admin-1', role: 'programme-admin' };
const citizen = { sub: 'applicant-9', role: 'applicant' };
// Monday 2024-09-30 10:00 Shanghai: the period of 5 working days runs over National Day to Saturday 2024-10-12.
const publishedAt = new Date('2024-09-30T02:00:00Z');
const entry = (applicationId: string) => ({ applicationId, selectionId: `sel-${applicationId}`, enterpriseName: '苏州某科技有限公司', projectTitle: '某标准项目', approvedAmountFen: 40_000_000 });

const opened = (publicNotice: { workingDays: number } | null = { workingDays: 5 }): ProgrammeEvent => ({
  type: 'ProgrammeOpened',
  data: { programmeId, openedAt: '2024-09-01T00:00:00.000Z', terms: settleTerms(suzhouTerms({ publicNotice })) },
});
const published: ProgrammeEvent = {
  type: 'PublicNoticePublished',
  data: {
    programmeId, noticeId, entries: [entry(appA), entry(appB)], workingDays: 5,
    calendarNotices: [BUILT_IN_WORKING_DAY_YEARS[0].notice], endsOn: '2024-10-12', endsAt: '2024-10-12T16:00:00.000Z', publishedBy: bureau, publishedAt: publishedAt.toISOString(),
  },
};
const filed = (objectionId: string, applicationId = appA): ProgrammeEvent => ({
  type: 'ObjectionFiled',
  data: { programmeId, noticeId, objectionId, applicationId, objector: { name: '王某', contact: '13800000000' }, grounds: '材料不实', channel: 'online', filedBy: citizen, filedAt: '2024-10-08T01:00:00.000Z' },
});
const resolved = (objectionId: string, outcome: 'upheld' | 'dismissed', applicationId = appA): ProgrammeEvent => ({
  type: 'ObjectionResolved',
  data: { programmeId, objectionId, applicationId, outcome, reason: '经核查', resolvedBy: bureau, resolvedAt: '2024-10-09T01:00:00.000Z' },
});
const closed: ProgrammeEvent = { type: 'PublicNoticeClosed', data: { programmeId, noticeId, closedAt: '2024-10-12T16:00:00.000Z' } };

const fold = (events: ProgrammeEvent[]): ProgrammeState => events.reduce(programmeDecider.evolve, programmeDecider.initialState());

describe('public notice (公示)', () => {
  it('publishes the listed selections with the period counted in working days across National Day 2024', () => {
    spec
      .given([opened()])
      .when({ type: 'PublishNotice', noticeId, entries: [entry(appA), entry(appB)], calendar, by: bureau, now: publishedAt })
      .then([published]);
  });

  it('lists only selections not yet on a notice, and refuses an empty list', () => {
    spec.given([opened(), published]).when({ type: 'PublishNotice', noticeId: 'other', entries: [entry(appA)], calendar, by: bureau, now: publishedAt }).thenRefuses('NOTICE_EMPTY');
    spec.given([opened(), published]).when({ type: 'PublishNotice', noticeId, entries: [entry(appA)], calendar, by: bureau, now: publishedAt }).then([]);
  });

  it('refuses a notice on a call without one, and a period in a year without a calendar', () => {
    spec.given([opened(null)]).when({ type: 'PublishNotice', noticeId, entries: [entry(appA)], calendar, by: bureau, now: publishedAt }).thenRefuses('NOTICE_NOT_REQUIRED');
    spec.given([opened()]).when({ type: 'PublishNotice', noticeId, entries: [entry(appA)], calendar, by: bureau, now: new Date('2026-12-28T02:00:00Z') }).thenRefuses('CALENDAR_YEAR_MISSING', { year: 2027 });
  });

  it('takes objections during the period only, against listed applications only', () => {
    const file = (now: Date, applicationId = appA) => ({ type: 'FileObjection' as const, objectionId: 'o1', applicationId, objector: { name: '王某', contact: '13800000000' }, grounds: '材料不实', channel: 'online' as const, by: citizen, now });
    spec.given([opened(), published]).when(file(new Date('2024-10-08T01:00:00Z'))).then([filed('o1')]);
    spec.given([opened(), published]).when(file(new Date('2024-10-12T15:59:59Z'))).thenMatches([{ type: 'ObjectionFiled' }]);
    spec.given([opened(), published]).when(file(new Date('2024-10-12T16:00:00Z'))).thenRefuses('NOTICE_PERIOD_ENDED');
    spec.given([opened(), published]).when(file(new Date('2024-10-08T01:00:00Z'), '0190a4b2-0000-7000-8000-0000000000ff')).thenRefuses('APPLICATION_NOT_ON_NOTICE');
  });

  it('resolves an objection once; the same decision again changes nothing, another is refused', () => {
    const resolve = (outcome: 'upheld' | 'dismissed') => ({ type: 'ResolveObjection' as const, objectionId: 'o1', outcome, reason: '经核查', by: bureau, now: new Date('2024-10-09T01:00:00Z') });
    spec.given([opened(), published, filed('o1')]).when(resolve('upheld')).then([resolved('o1', 'upheld')]);
    spec.given([opened(), published, filed('o1'), resolved('o1', 'upheld')]).when(resolve('upheld')).then([]);
    spec.given([opened(), published, filed('o1'), resolved('o1', 'upheld')]).when(resolve('dismissed')).thenRefuses('OBJECTION_ALREADY_RESOLVED');
    spec.given([opened(), published]).when(resolve('upheld')).thenRefuses('OBJECTION_NOT_FOUND');
  });

  it('closes only once the period has ended', () => {
    spec.given([opened(), published]).when({ type: 'CloseNotice', noticeId, now: new Date('2024-10-12T15:59:59Z') }).thenRefuses('NOTICE_PERIOD_RUNNING');
    spec.given([opened(), published]).when({ type: 'CloseNotice', noticeId, now: new Date('2024-10-12T16:00:00Z') }).then([closed]);
    spec.given([opened(), published, closed]).when({ type: 'CloseNotice', noticeId, now: new Date('2024-10-13T00:00:00Z') }).then([]);
  });

  it('clears an entry for award only after the period, with every objection resolved and none upheld', () => {
    expect(noticeClearance(fold([opened(null)]), appA)).toBe('no-notice');
    expect(noticeClearance(fold([opened()]), appA)).toBe('awaiting-notice');
    expect(noticeClearance(fold([opened(), published]), appA)).toBe('pending');
    expect(noticeClearance(fold([opened(), published, closed]), appA)).toBe('cleared');
    expect(noticeClearance(fold([opened(), published, filed('o1'), closed]), appA)).toBe('pending');
    expect(noticeClearance(fold([opened(), published, filed('o1'), closed, resolved('o1', 'dismissed')]), appA)).toBe('cleared');
    expect(noticeClearance(fold([opened(), published, filed('o1'), resolved('o1', 'upheld')]), appA)).toBe('upheld');
    expect(noticeClearance(fold([opened(), published, filed('o1'), resolved('o1', 'upheld'), closed]), appB)).toBe('cleared');
  });

  it('reads a ProgrammeOpened v1 (no publicNotice) as a call without notice (and, through v2 to v3, the reminder defaults)', () => {
    const { publicNotice: _, reviewRequest: __, phases: ___, ...v1Terms } = suzhouTerms();
    const v1 = { programmeId, openedAt: '2024-09-01T00:00:00.000Z', terms: v1Terms };
    const event = decodeEvent(PROGRAMME_EVENTS, 'ProgrammeOpened', 1, JSON.parse(JSON.stringify(v1)));
    expect(event).toEqual({ type: 'ProgrammeOpened', data: { ...v1, terms: settleTerms({ ...v1Terms, publicNotice: null, reviewRequest: null, phases: 'rolling' }) } });
    expect(noticeClearance(fold([event]), appA)).toBe('no-notice');
  });

  it('opens the defense round only after the window closed, unless the call is rolling', () => {
    const afterClose: ProgrammeEvent = { type: 'ProgrammeOpened', data: { programmeId, openedAt: '2024-09-01T00:00:00.000Z', terms: settleTerms(suzhouTerms({ phases: 'after-close' })) } };
    const round = (now: string) => ({ type: 'OpenDefenseRound' as const, roundId: 'r1', size: 1, ranking: [{ applicationId: appA, rank: 1, scoreHundredths: 9000 }], now: new Date(now) });
    spec.given([afterClose]).when(round('2024-11-17T15:59:59Z')).thenRefuses('WINDOW_STILL_OPEN', { closesAt: '2024-11-17T23:59:59+08:00' });
    spec.given([afterClose]).when(round('2024-11-17T16:00:00Z')).thenMatches([{ type: 'DefenseRoundOpened' }]);
    spec.given([opened()]).when(round('2024-11-01T02:00:00Z')).thenMatches([{ type: 'DefenseRoundOpened' }]);
  });
});
