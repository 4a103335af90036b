import { RecordedEvent } from '@ipstd/event-store';
import { KeyedProjection, Row } from '@ipstd/platform';
import { ALL_PROJECTIONS } from '@ipstd/read-models';
import { suzhouProfile } from '../../../test/support/fixtures';

const projection = ALL_PROJECTIONS.find((p) => p.name === 'applications') as KeyedProjection;
const APP = '0190a4b2-0000-7000-8000-000000000001';
let revision = 0n;

function recorded(type: string, data: Record<string, unknown>): RecordedEvent {
  revision += 1n;
  return {
    eventId: `0190a4b2-0000-7000-8000-${String(revision).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    data: { applicationId: APP, ...data },
    metadata: { actor: { userId: 'u', role: 'system', organisation: null }, correlationId: 'c', causationId: null, effectiveAt: '2025-01-10T00:00:00Z', idempotencyKey: null },
    streamId: `application-${APP}`,
    revision,
    globalPosition: revision,
    recordedAt: '2025-01-10T00:00:00.000Z',
    previousHash: null,
    hash: 'x',
  };
}

function fold(events: RecordedEvent[]): Row | null {
  return events.reduce<Row | null>((row, e) => projection.evolve(row, e), null);
}

const upheld = () => recorded('ReviewRequestDecided', { requestId: 'r1', outcome: 'upheld', reason: '复核成立', decidedBy: { sub: 'a', role: 'programme-admin' }, decidedAt: '2025-02-12T00:00:00Z' });
const notSelected = () => recorded('ApplicationNotSelected', { reason: '未入选', finalScoreHundredths: 7000, decidedAt: '2025-01-20T00:00:00Z' });
const submitted = () => recorded('ApplicationSubmitted', { programmeId: 'p', submittedAt: '2025-01-10T00:00:00Z', profile: suzhouProfile() });

describe('applications read model: an upheld review request', () => {
  it('reopens an application that had a defense round as invited to defense, as the application state does', () => {
    const row = fold([submitted(), recorded('InvitedToDefense', { roundId: 'd1', rank: 1, invitedAt: '2025-01-15T00:00:00Z' }), notSelected(), upheld()]);
    expect(row).toMatchObject({ status: 'invited-to-defense', defense_invited: true });
  });

  it('reopens one without a defense round as under review', () => {
    expect(fold([submitted(), notSelected(), upheld()])).toMatchObject({ status: 'under-review', defense_invited: false });
  });
});
