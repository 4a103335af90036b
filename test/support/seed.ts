import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { grantIdFor } from '@ipstd/grants';
import { suzhouProfile } from './fixtures';
import { TestApp, bearer } from './app';
import { until } from './wait';

/** A valid credit code registered in a district, numbered so tests can tell enterprises apart. */
export function seededCreditCode(i: number, district: string): string {
  const first17 = `91${district}MA${String(i).padStart(7, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/**
 * Submits `count` applications one minute apart across the districts (enterprise i is `企业i`,
 * subject `ent-i`), withdrawing every `withdrawEvery`-th starting with the first; returns their ids.
 */
export async function submitApplications(t: TestApp, programmeId: string, count: number, districts: readonly string[], withdrawEvery: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const district = districts[i % districts.length];
    const code = seededCreditCode(i, district);
    const token = t.token({ role: 'applicant', org: code, sub: `ent-${i}` });
    t.clock.advance(60_000);
    const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(token)).send(suzhouProfile({ creditCode: code, district, name: `企业${i}` })).expect(201);
    ids.push(response.body.applicationId);
    if (i % withdrawEvery === 0) await t.http.post(`/v1/applications/${response.body.applicationId}/withdrawal`).set(bearer(token)).send({}).expect(200);
  }
  return ids;
}

/**
 * Takes one application of a Suzhou programme whose review panel has three experts and one criterion
 * `a` through endorsement, review and selection, waits for its grant and signs the agreement; returns
 * the grant id. `admin` is a token of the programme's city bureau.
 */
export async function awardedGrant(t: TestApp, programmeId: string, admin: string, options: { creditCode: string; district: string; approvedAmountFen: number }): Promise<string> {
  const experts = ['e1', 'e2', 'e3'];
  const applicant = t.token({ role: 'applicant', org: options.creditCode });
  const submitted = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: options.creditCode, district: options.district })).expect(201);
  const id = submitted.body.applicationId;
  await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district: options.district }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
  await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin)).send({ experts: experts.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
  for (const e of experts) {
    await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
  }
  await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin)).expect(200);
  await t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: options.approvedAmountFen, reason: '择优立项' }).expect(200);
  const grantId = grantIdFor(id);
  await until(() => t.http.get(`/v1/grants/${grantId}`).set(bearer(admin)), (r) => r.status === 200);
  await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin)).expect(200);
  return grantId;
}
