import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { suzhouProfile } from './fixtures';
import { TestApp, bearer } from './app';

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
