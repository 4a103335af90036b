import { RecordedEvent } from '@ipstd/event-store';
import { APPLICATION_EVENTS, ENTERPRISE_EVENTS, EXPERT_POOL_EVENTS, PROGRAMME_EVENTS } from '@ipstd/applications';
import { RULE_CATALOG_EVENTS } from '@ipstd/funding-rules';
import { GRANT_EVENTS } from '@ipstd/grants';
import { STATEMENT_EVENTS } from '@ipstd/finance';
import { AUDIT_EVENTS } from '@ipstd/audit';
import { REMINDER_EVENTS } from '@ipstd/messaging';
import { ForeignEventError, StreamCityUnknownError, cityOf, readEvent, readEventOf, readIfIn, readStreamEvents, settledCityOf } from '../src/events/stored-events';

/**
 * The typed reader and its metadata upcaster (docs/events.md, "Metadata"). Every stored event below
 * is literal JSON as it was stored before `city` was stamped into metadata (no `city` key), so these
 * are the events a database written by an earlier build holds.
 */

/** Metadata as every build before the city stamp wrote it. */
const OLD_METADATA = JSON.parse('{"actor":{"userId":"bureau-sz","role":"programme-admin","organisation":"320500"},"correlationId":"c-1","causationId":null,"effectiveAt":"2024-09-01T02:00:00.000Z","idempotencyKey":null}');

let position = 0n;
/** A stored envelope around literal JSON data, as the store hands it back. */
function stored(streamId: string, revision: bigint, type: string, schemaVersion: number, dataJson: string, metadata: unknown = OLD_METADATA): RecordedEvent {
  position += 1n;
  return {
    eventId: `0190a4b2-0000-7000-8000-${position.toString().padStart(12, '0')}`,
    streamId,
    revision,
    globalPosition: position,
    type,
    schemaVersion,
    data: JSON.parse(dataJson),
    metadata: metadata as RecordedEvent['metadata'],
    recordedAt: '2024-09-01T02:00:00.000Z',
    previousHash: null,
    hash: '0'.repeat(64),
  };
}

const PROGRAMME = 'programme-0190a4b2-0000-7000-8000-000000000001';
const APPLICATION = 'application-0190a4b2-0000-7000-8000-0000000000a1';
const GRANT = 'grant-0190a4b2-0000-7000-8000-0000000000b1';
const STATEMENT = 'statement-0190a4b2-0000-7000-8000-0000000000c1';

/** ProgrammeOpened v1 as stored before the public notice existed (no publicNotice, reviewRequest, phases, reminders, schedule). */
const PROGRAMME_OPENED_V1 = `{"programmeId":"0190a4b2-0000-7000-8000-000000000001","openedAt":"2024-09-01T02:00:00.000Z","terms":{"code":"SZ-2024-IPSTD","title":"2024年度知识产权标准化融合项目","city":"320500","ruleSet":{"id":"suzhou-2024-ipstd","version":1},"window":{"opensAt":"2024-09-01T00:00:00.000Z","closesAt":"2024-10-31T09:00:00.000Z"},"endorsementDeadline":"2024-11-15T09:00:00.000Z","budgetFen":1000000000,"tranchePlan":[{"percent":50,"trigger":"award"},{"percent":50,"trigger":"acceptance-passed"}],"review":{"panelSize":3,"aggregation":"mean","defenseSize":0,"criteria":[{"id":"c1","max":100}]},"implementationMonths":24,"acceptanceLeadMonths":3}}`;
const PROFILE = `{"enterprise":{"creditCode":"91320505MA1MXXXXX0","name":"苏州某某光电科技有限公司","district":"320505"},"project":{"title":"光电标准","requestedAmountFen":50000000}}`;
const APPLICATION_SUBMITTED_V1 = `{"applicationId":"0190a4b2-0000-7000-8000-0000000000a1","programmeId":"0190a4b2-0000-7000-8000-000000000001","submittedAt":"2024-09-10T02:00:00.000Z","profile":${PROFILE}}`;
const APPLICATION_WITHDRAWN_V1 = `{"applicationId":"0190a4b2-0000-7000-8000-0000000000a1","withdrawnAt":"2024-09-20T02:00:00.000Z","reason":null}`;
const GRANT_AWARDED_V1 = `{"grantId":"0190a4b2-0000-7000-8000-0000000000b1","applicationId":"0190a4b2-0000-7000-8000-0000000000a1","programmeId":"0190a4b2-0000-7000-8000-000000000001","enterprise":{"creditCode":"91371102MA3XXXXXX1","name":"日照某某标准化有限公司","district":"371102"},"awardFen":30000000,"tranches":[],"implementation":{"startsAt":"2025-01-10T02:00:00.000Z","endsAt":"2027-01-10T02:00:00.000Z","months":24},"acceptanceLeadMonths":3,"awardedAt":"2025-01-10T02:00:00.000Z"}`;
const AGREEMENT_SIGNED_V1 = `{"grantId":"0190a4b2-0000-7000-8000-0000000000b1","signedAt":"2025-01-20T02:00:00.000Z"}`;
const ROWS_V1 = `{"statementId":"0190a4b2-0000-7000-8000-0000000000c1","chunkNo":0,"rows":[{"line":2,"reference":"SZ-PAY-1","payeeCreditCode":"91320505MA1MXXXXX0","amountFen":25000000,"valueDate":"2025-01-20","direction":"debit"}]}`;
const STATEMENT_IMPORTED_V1 = `{"statementId":"0190a4b2-0000-7000-8000-0000000000c1","city":"320500","fileSha256":"${'a'.repeat(64)}","fileBytes":120,"fileName":"jan.csv","rowCount":1,"chunkCount":1,"debit":{"count":1,"totalFen":25000000},"credit":{"count":0,"totalFen":0},"period":{"from":"2025-01-01","to":"2025-01-31"},"importedAt":"2025-02-01T02:00:00.000Z"}`;

describe('the typed reader: data decoded through the registries', () => {
  it('upcasts older schema versions and types the union by event type', () => {
    const opened = readEvent(PROGRAMME_EVENTS, stored(PROGRAMME, 0n, 'ProgrammeOpened', 1, PROGRAMME_OPENED_V1));
    expect(opened.type).toBe('ProgrammeOpened');
    if (opened.type !== 'ProgrammeOpened') throw new Error('narrowed by type');
    // v1 → v3: the terms gained the notice, review request and phases, then the reminder settings.
    expect(opened.data.terms).toMatchObject({ city: '320500', publicNotice: null, reviewRequest: null, phases: 'rolling' });
    expect(opened.data.terms.schedule).toEqual({ reviewScoresDueAt: null, defenseScoresDueAt: null, midTermInspectionMonths: 12 });

    const rows = readEventOf(STATEMENT_EVENTS, 'StatementRowsRecorded', stored(STATEMENT, 0n, 'StatementRowsRecorded', 1, ROWS_V1));
    expect(rows.data.rows[0].payeeName).toBeNull();
  });

  it('keeps the envelope and refuses an event outside the registry it is read with', () => {
    const recorded = stored(GRANT, 1n, 'AgreementSigned', 1, AGREEMENT_SIGNED_V1);
    const read = readEvent(GRANT_EVENTS, recorded);
    expect({ eventId: read.eventId, revision: read.revision, globalPosition: read.globalPosition, hash: read.hash }).toEqual({
      eventId: recorded.eventId, revision: 1n, globalPosition: recorded.globalPosition, hash: recorded.hash,
    });
    expect(() => readEvent(APPLICATION_EVENTS, recorded)).toThrow(/unknown type/);
    expect(() => readEventOf(GRANT_EVENTS, 'GrantAwarded', recorded)).toThrow(ForeignEventError);
    expect(readIfIn(APPLICATION_EVENTS, recorded)).toBeNull();
    expect(readIfIn(GRANT_EVENTS, recorded)?.type).toBe('AgreementSigned');
  });
});

describe('the city: stamped into metadata, supplied for older events by the metadata upcaster', () => {
  it('reads a stamped city as it is, whatever the data says', () => {
    const stamped = stored(PROGRAMME, 0n, 'ProgrammeOpened', 1, PROGRAMME_OPENED_V1, { ...OLD_METADATA, city: '371100' });
    expect(cityOf(readEvent(PROGRAMME_EVENTS, stamped))).toBe('371100');
    expect(cityOf(stored('rule-set-catalog', 0n, 'RuleSetPublished', 1, '{}', { ...OLD_METADATA, city: null }))).toBeNull();
  });

  it('programme: the city of the terms ProgrammeOpened stored', () => {
    expect(cityOf(readEvent(PROGRAMME_EVENTS, stored(PROGRAMME, 0n, 'ProgrammeOpened', 1, PROGRAMME_OPENED_V1)))).toBe('320500');
  });

  it("application: the city of the enterprise's district (a county-level district belongs to its prefecture)", () => {
    const submitted = stored(APPLICATION, 0n, 'ApplicationSubmitted', 1, APPLICATION_SUBMITTED_V1);
    expect(cityOf(readEvent(APPLICATION_EVENTS, submitted))).toBe('320500');
    const amended = stored(APPLICATION, 1n, 'ApplicationAmended', 1, `{"applicationId":"0190a4b2-0000-7000-8000-0000000000a1","amendedAt":"2024-09-11T02:00:00.000Z","profile":${PROFILE}}`);
    expect(cityOf(readEvent(APPLICATION_EVENTS, amended))).toBe('320500');
    const endorsed = stored(APPLICATION, 2n, 'ApplicationEndorsed', 1, '{"applicationId":"0190a4b2-0000-7000-8000-0000000000a1","district":"320583","opinion":"同意","endorsedAt":"2024-09-12T02:00:00.000Z"}');
    expect(cityOf(readEvent(APPLICATION_EVENTS, endorsed))).toBe('320500');
  });

  it("an older event whose data does not name the city takes its stream's first event's, and is refused without it", () => {
    const submitted = stored(APPLICATION, 0n, 'ApplicationSubmitted', 1, APPLICATION_SUBMITTED_V1);
    const withdrawn = stored(APPLICATION, 1n, 'ApplicationWithdrawn', 1, APPLICATION_WITHDRAWN_V1);
    const alone = readEvent(APPLICATION_EVENTS, withdrawn);
    expect(settledCityOf(alone)).toBeUndefined();
    expect(() => cityOf(alone)).toThrow(StreamCityUnknownError);
    expect(cityOf(readEvent(APPLICATION_EVENTS, withdrawn, submitted))).toBe('320500');
    expect(readStreamEvents(APPLICATION_EVENTS, [submitted, withdrawn]).map(cityOf)).toEqual(['320500', '320500']);
    // A first event of another stream is not taken.
    expect(settledCityOf(readEvent(APPLICATION_EVENTS, withdrawn, stored(PROGRAMME, 0n, 'ProgrammeOpened', 1, PROGRAMME_OPENED_V1)))).toBeUndefined();
  });

  it("grant: the city of the awarded enterprise's district; its later events take it from GrantAwarded", () => {
    const awarded = stored(GRANT, 0n, 'GrantAwarded', 1, GRANT_AWARDED_V1);
    const signed = stored(GRANT, 1n, 'AgreementSigned', 1, AGREEMENT_SIGNED_V1);
    expect(readStreamEvents(GRANT_EVENTS, [awarded, signed]).map(cityOf)).toEqual(['371100', '371100']);
  });

  it('statement: the city StatementImported names; the rows of an older statement name none', () => {
    expect(cityOf(readEvent(STATEMENT_EVENTS, stored(STATEMENT, 1n, 'StatementImported', 1, STATEMENT_IMPORTED_V1)))).toBe('320500');
    expect(cityOf(readEvent(STATEMENT_EVENTS, stored(STATEMENT, 0n, 'StatementRowsRecorded', 1, ROWS_V1)))).toBeNull();
  });

  it("expert pool: the city its stream id names; reminder: the city in the reminder", () => {
    const drawn = stored('expert-pool-371100', 3n, 'ReserveCalledIn', 1, '{"programmeId":"p","applicationId":"a","expertId":"e-1","calledInAt":"2025-01-10T02:00:00.000Z"}');
    expect(cityOf(readEvent(EXPERT_POOL_EVENTS, drawn))).toBe('371100');
    const reminder = stored('reminder-0190a4b2-0000-7000-8000-0000000000d1', 0n, 'DeadlineReminderSent', 1, '{"reminderId":"0190a4b2-0000-7000-8000-0000000000d1","programmeId":"p","city":"320500"}');
    expect(cityOf(readEvent(REMINDER_EVENTS, reminder))).toBe('320500');
  });

  it('streams of no city: enterprise facts, the rule-set catalog, the checkpoints', () => {
    expect(cityOf(readEvent(ENTERPRISE_EVENTS, stored('enterprise-91320505MA1MXXXXX0', 0n, 'EnterpriseFactRecorded', 1, '{"creditCode":"91320505MA1MXXXXX0","fact":"serious-dishonesty","present":true}')))).toBeNull();
    expect(cityOf(readEvent(RULE_CATALOG_EVENTS, stored('rule-set-catalog', 0n, 'RuleSetPublished', 1, '{"ruleSet":{"id":"x","version":1,"city":"320500"}}')))).toBeNull();
    expect(cityOf(readEvent(AUDIT_EVENTS, stored('log-checkpoints', 0n, 'LogCheckpointSealed', 1, '{"sequence":1}')))).toBeNull();
  });
});
