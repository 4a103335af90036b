import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Decider, DomainEvent, EventSchema, decodeEvent } from '@ipstd/kernel';
import { RecordedEvent } from '@ipstd/event-store';
import {
  applicationDecider, enterpriseDecider, expertPoolDecider, legacySelectionId, programmeDecider, workingDayCalendarDecider,
} from '@ipstd/applications';
import { ruleCatalogDecider } from '@ipstd/funding-rules';
import { grantDecider } from '@ipstd/grants';
import { statementRowsProjection, statementsProjection } from '@ipstd/finance';
import { checkpointDataOf } from '@ipstd/audit';
import { contractsForDomainType } from '@ipstd/messaging';
import { EventFixture, STORED_REGISTRIES, readEventFixtures } from '../../scripts/events-catalogue';

/**
 * Stored events are a contract: every type of every registry, at every schema version it was ever
 * stored at, has a JSON fixture in test/fixtures/events (never edited once written; see its README).
 * Each fixture is decoded through its registry (upcast to the current shape) and then read by what
 * reads it in production: folded by its aggregate's evolve after a plausible history, or given to its
 * consumer (a projection, the checkpoint verifier, the integration mapping).
 */
const root = join(__dirname, '..', '..');
const fixtures = readEventFixtures(root);
const registries = new Map(STORED_REGISTRIES.map((r) => [r.name, r.registry]));
const byName = (file: string): EventFixture => {
  const fixture = fixtures.find((f) => f.file === file);
  if (!fixture) throw new Error(`no fixture ${file}`);
  return fixture;
};
const decode = (fixture: EventFixture): DomainEvent => decodeEvent(registries.get(fixture.registry)!, fixture.type, fixture.schemaVersion, fixture.data);
const dataOf = (fixture: EventFixture) => decode(fixture).data as Record<string, unknown>;

describe('stored event fixtures', () => {
  it('hold one fixture for every type of every registry at every version from 1 to the current one', () => {
    const expected = STORED_REGISTRIES.flatMap(({ name, registry }) =>
      Object.entries(registry as Record<string, EventSchema>).flatMap(([type, schema]) => Array.from({ length: schema.version }, (_, i) => `${name}/${type}.v${i + 1}.json`)),
    );
    const present = fixtures.map((f) => f.file);
    expect(expected.filter((file) => !present.includes(file))).toEqual([]);
  });

  it('name their registry, type and version in the file name, and no type or version the registry lacks', () => {
    for (const fixture of fixtures) {
      const schema = (registries.get(fixture.registry) as Record<string, EventSchema> | undefined)?.[fixture.type];
      expect({ file: fixture.file, known: schema !== undefined && fixture.schemaVersion <= schema.version }).toEqual({ file: fixture.file, known: true });
      expect(fixture.file).toMatch(new RegExp(`^${fixture.registry}/${fixture.type}\\.v${fixture.schemaVersion}(\\.[a-z0-9-]+)?\\.json$`));
    }
  });

  it('are unchanged since they were written: each matches its line in SHA256SUMS, and every fixture has one', () => {
    // Adding a fixture adds its line; changing a written one would have to change its line too, in plain sight.
    const folder = join(root, 'test', 'fixtures', 'events');
    const sums = new Map(
      readFileSync(join(folder, 'SHA256SUMS'), 'utf8').trim().split('\n').map((line) => {
        const [hash, file] = line.split(/\s+/);
        return [file, hash] as const;
      }),
    );
    const actual = new Map(fixtures.map((f) => [f.file, createHash('sha256').update(readFileSync(join(folder, f.file))).digest('hex')] as const));
    expect([...actual.keys()].filter((file) => !sums.has(file))).toEqual([]);
    expect([...sums.keys()].filter((file) => !actual.has(file))).toEqual([]);
    expect([...actual].filter(([file, hash]) => sums.get(file) !== hash).map(([file]) => file)).toEqual([]);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s decodes to the current shape', (_, fixture) => {
    const schema = (registries.get(fixture.registry) as Record<string, EventSchema>)[fixture.type];
    const decoded = decode(fixture);
    expect(decoded.type).toBe(fixture.type);
    if (fixture.schemaVersion === schema.version) {
      expect(decoded.data).toEqual(fixture.data);
    } else {
      // Upcast: the fields of the current version's fixture, no more and no fewer (at the top level and one below).
      const current = byName(`${fixture.registry}/${fixture.type}.v${schema.version}.json`).data as Record<string, unknown>;
      const shape = (d: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).sort() : typeof v]));
      expect(Object.keys(decoded.data as object).sort()).toEqual(Object.keys(current).sort());
      const decodedShape = shape(decoded.data as Record<string, unknown>);
      for (const [key, keys] of Object.entries(shape(current))) if (Array.isArray(keys)) expect({ key, keys: decodedShape[key] }).toEqual({ key, keys });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Folding: each aggregate's events after a plausible history
// ---------------------------------------------------------------------------------------------

type AnyDecider = Decider<unknown, DomainEvent, unknown>;
interface Aggregate {
  readonly decider: AnyDecider;
  /** The fixtures (current versions, by type) that precede each type in a plausible stream. */
  readonly before: Readonly<Record<string, readonly string[]>>;
}

const submitted = ['ApplicationSubmitted', 'EligibilityAssessed'];
const endorsed = [...submitted, 'ApplicationEndorsed'];
const reviewed = [...endorsed, 'ReviewPanelAssigned', 'ReviewScoresSubmitted', 'ReviewClosed'];
const grantAwarded = ['GrantAwarded', 'AgreementSigned'];

const AGGREGATES: Readonly<Record<string, Aggregate>> = {
  PROGRAMME_EVENTS: {
    decider: programmeDecider as AnyDecider,
    before: {
      ProgrammeOpened: [],
      FundsCommitted: ['ProgrammeOpened'],
      FundsReleased: ['ProgrammeOpened', 'FundsCommitted'],
      DefenseRoundOpened: ['ProgrammeOpened'],
      PublicNoticePublished: ['ProgrammeOpened', 'FundsCommitted'],
      ObjectionFiled: ['ProgrammeOpened', 'FundsCommitted', 'PublicNoticePublished'],
      ObjectionResolved: ['ProgrammeOpened', 'FundsCommitted', 'PublicNoticePublished', 'ObjectionFiled'],
      PublicNoticeClosed: ['ProgrammeOpened', 'FundsCommitted', 'PublicNoticePublished'],
    },
  },
  APPLICATION_EVENTS: {
    decider: applicationDecider as AnyDecider,
    before: {
      ApplicationSubmitted: [],
      EligibilityAssessed: ['ApplicationSubmitted'],
      ApplicationAmended: submitted,
      ApplicationWithdrawn: submitted,
      ApplicationEndorsed: submitted,
      ApplicationNotEndorsed: submitted,
      ReviewPanelAssigned: endorsed,
      ReviewPanelDrawn: endorsed,
      ExpertConflictDeclared: [...endorsed, 'ReviewPanelDrawn'],
      ReserveExpertAssigned: [...endorsed, 'ReviewPanelDrawn', 'ExpertConflictDeclared'],
      ReviewScoresSubmitted: [...endorsed, 'ReviewPanelAssigned'],
      ReviewClosed: [...endorsed, 'ReviewPanelAssigned', 'ReviewScoresSubmitted'],
      InvitedToDefense: reviewed,
      DefenseScoreSubmitted: [...reviewed, 'InvitedToDefense'],
      ApplicationSelected: reviewed,
      ApplicationNotSelected: reviewed,
      ApplicationSelectionWithdrawn: [...reviewed, 'ApplicationSelected'],
      ReviewRequested: [...reviewed, 'ApplicationSelected', 'ApplicationSelectionWithdrawn'],
      ReviewRequestDecided: [...reviewed, 'ApplicationSelected', 'ApplicationSelectionWithdrawn', 'ReviewRequested'],
    },
  },
  ENTERPRISE_EVENTS: { decider: enterpriseDecider as AnyDecider, before: { EnterpriseFactRecorded: [] } },
  EXPERT_POOL_EVENTS: {
    decider: expertPoolDecider as AnyDecider,
    before: {
      ExpertRegistered: [],
      ExpertUpdated: ['ExpertRegistered'],
      ExpertDeactivated: ['ExpertRegistered'],
      ExpertsDrawn: ['ExpertRegistered'],
      ReserveCalledIn: ['ExpertRegistered', 'ExpertsDrawn'],
    },
  },
  RULE_CATALOG_EVENTS: { decider: ruleCatalogDecider as AnyDecider, before: { RuleSetPublished: [] } },
  WORKING_DAY_CALENDAR_EVENTS: { decider: workingDayCalendarDecider as AnyDecider, before: { WorkingDayYearPublished: [] } },
  GRANT_EVENTS: {
    decider: grantDecider as AnyDecider,
    before: {
      GrantAwarded: [],
      AgreementSigned: ['GrantAwarded'],
      TrancheReleaseOrdered: grantAwarded,
      TranchePaid: [...grantAwarded, 'TrancheReleaseOrdered'],
      TranchePaidInFull: [...grantAwarded, 'TrancheReleaseOrdered', 'TranchePaid'],
      TrancheReleaseCancelled: [...grantAwarded, 'TrancheReleaseOrdered'],
      MidTermInspected: grantAwarded,
      AcceptanceRequested: grantAwarded,
      AcceptanceDecided: [...grantAwarded, 'AcceptanceRequested'],
      GrantEvaluated: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided'],
      ClawbackOrdered: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided'],
      RepaymentRecorded: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided', 'ClawbackOrdered'],
      ClawbackSettled: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided', 'ClawbackOrdered', 'RepaymentRecorded'],
      ClawbackOverdue: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided', 'ClawbackOrdered'],
      ClawbackWrittenOff: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided', 'ClawbackOrdered'],
      GrantClosed: [...grantAwarded, 'AcceptanceRequested', 'AcceptanceDecided'],
      GrantSuspended: grantAwarded,
      GrantSuspensionDecided: [...grantAwarded, 'GrantSuspended'],
    },
  },
};

/**
 * Events that mark or remove rather than add: a status (signed, paid in full, settled, overdue, written
 * off, decided), a released commitment, a reserve moved onto the panel, a closed review whose aggregate
 * the state may already hold as a total. For them the test asks only that the state changes.
 */
const MARKERS = new Set([
  'FundsReleased', 'AgreementSigned', 'ClawbackSettled', 'ClawbackOverdue', 'ClawbackWrittenOff', 'GrantSuspensionDecided',
  'ReserveExpertAssigned', 'ReserveCalledIn', 'ReviewClosed', 'ExpertDeactivated',
]);

/** Events the aggregate folds as nothing because its state derives them: TranchePaidInFull follows from the TranchePaid that pays the last fen. */
const DERIVED = new Set(['TranchePaidInFull']);

/** Every scalar value in a JSON value, as strings. */
function leaves(value: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
    else if (v !== null && v !== undefined && typeof v !== 'boolean') out.add(String(v));
  };
  visit(value);
  return out;
}

const foldable = fixtures.filter((f) => f.registry in AGGREGATES);

describe('stored event fixtures fold into their aggregate', () => {
  it('every type of every aggregate registry has a history to fold after', () => {
    for (const [name, aggregate] of Object.entries(AGGREGATES)) expect(Object.keys(aggregate.before).sort()).toEqual(Object.keys(registries.get(name)!).sort());
  });

  it.each(foldable.map((f) => [f.file, f] as const))('%s changes the state, and what it carries is in the state', (_, fixture) => {
    const { decider, before } = AGGREGATES[fixture.registry];
    const registry = STORED_REGISTRIES.find((r) => r.name === fixture.registry)!.registry;
    // An older version follows a history of its own era where there is one (a v1 release after a v1 commitment).
    const current = (type: string) => (registry as Record<string, EventSchema>)[type].version;
    const old = fixture.schemaVersion < current(fixture.type);
    const history = before[fixture.type].map((type) =>
      fixtures.find((f) => old && f.file === `${fixture.registry}/${type}.v${fixture.schemaVersion}.json`) ?? byName(`${fixture.registry}/${type}.v${current(type)}.json`),
    );
    const prior = history.map(decode).reduce(decider.evolve, decider.initialState());
    const after = decider.evolve(prior, decode(fixture));
    if (DERIVED.has(fixture.type)) {
      // Folded as nothing: the state already holds what it says (see DERIVED); it is published for consumers.
      expect(after).toEqual(prior);
      expect(contractsForDomainType(fixture.type).length).toBeGreaterThan(0);
      return;
    }
    expect(after).not.toEqual(prior);
    // Something the event carries, that the state did not hold before, is now in the state.
    const had = leaves(prior);
    const carried = [...leaves(decode(fixture).data)].filter((v) => !had.has(v));
    const kept = carried.filter((v) => leaves(after).has(v));
    expect({ file: fixture.file, kept: kept.length > 0 }).toEqual({ file: fixture.file, kept: !MARKERS.has(fixture.type) || kept.length > 0 });
  });
});

describe('older versions keep their meaning once upcast and folded', () => {
  const fold = (decider: AnyDecider, files: string[]) => files.map((f) => decode(byName(f))).reduce(decider.evolve, decider.initialState()) as Record<string, any>;

  it('ProgrammeOpened v1 opens a rolling call with no public notice and no review request, with the default reminder leads', () => {
    const v1 = byName('PROGRAMME_EVENTS/ProgrammeOpened.v1.json');
    const state = fold(programmeDecider as AnyDecider, [v1.file]);
    const stored = (v1.data as { terms: Record<string, unknown> }).terms;
    expect(state.terms).toMatchObject({ code: stored.code, city: stored.city, budgetFen: stored.budgetFen, publicNotice: null, reviewRequest: null, phases: 'rolling' });
    expect(state.terms.reminders).toEqual({ endorsement: 2, reviewScoring: 2, defenseScoring: 1, acceptanceRequest: 10, midTermInspection: 10, clawbackDue: 5, publicNoticeEnding: 1 });
  });

  it('ProgrammeOpened v2 keeps its notice, review request and phases and takes the default reminders and schedule', () => {
    const v2 = byName('PROGRAMME_EVENTS/ProgrammeOpened.v2.json');
    const stored = (v2.data as { terms: Record<string, unknown> }).terms;
    const state = fold(programmeDecider as AnyDecider, [v2.file]);
    expect(state.terms).toMatchObject({ publicNotice: stored.publicNotice, reviewRequest: stored.reviewRequest, phases: stored.phases });
    expect(state.terms.schedule).toMatchObject({ reviewScoresDueAt: null, defenseScoresDueAt: null });
  });

  it('FundsCommitted v1 and FundsReleased v1 commit and release the legacy selection of their application', () => {
    const committed = byName('PROGRAMME_EVENTS/FundsCommitted.v1.json');
    const { applicationId, amountFen, committedAt } = committed.data as { applicationId: string; amountFen: number; committedAt: string };
    const held = fold(programmeDecider as AnyDecider, ['PROGRAMME_EVENTS/ProgrammeOpened.v1.json', committed.file]);
    expect(held.commitments[legacySelectionId(applicationId)]).toMatchObject({ applicationId, amountFen, committedAt });
    expect(held.committedFen).toBe(amountFen);
    const released = fold(programmeDecider as AnyDecider, ['PROGRAMME_EVENTS/ProgrammeOpened.v1.json', committed.file, 'PROGRAMME_EVENTS/FundsReleased.v1.json']);
    expect(released.commitments).toEqual({});
    expect(released.committedFen).toBe(0);
  });

  it.each(['APPLICATION_EVENTS/ApplicationSelected.v1.json', 'APPLICATION_EVENTS/ApplicationSelected.v1.batch.json'])('%s selects with the legacy selection id', (file) => {
    const stored = byName(file).data as { applicationId: string; approvedAmountFen: number; batch?: string };
    const history = [...reviewed].map((type) => `APPLICATION_EVENTS/${type}.v1.json`);
    const state = fold(applicationDecider as AnyDecider, [...history, file]);
    expect(state.status).toBe('selected');
    expect(state.selection).toMatchObject({ decision: 'select', approvedAmountFen: stored.approvedAmountFen, batch: stored.batch ?? null, selectionId: legacySelectionId(stored.applicationId) });
  });

  it('ApplicationSelected v1 names the same commitment as its FundsCommitted v1', () => {
    const selected = dataOf(byName('APPLICATION_EVENTS/ApplicationSelected.v1.json'));
    const committed = dataOf(byName('PROGRAMME_EVENTS/FundsCommitted.v1.json'));
    expect(selected.selectionId).toBe(committed.selectionId);
  });
});

// ---------------------------------------------------------------------------------------------
// Consumers: events no aggregate folds
// ---------------------------------------------------------------------------------------------

function recorded(fixture: EventFixture, position: number): RecordedEvent {
  return {
    eventId: `0190a4b2-0000-7000-8000-${String(position).padStart(12, '0')}`,
    type: fixture.type,
    schemaVersion: fixture.schemaVersion,
    data: fixture.data,
    metadata: { actor: { userId: 'finance-officer-1', role: 'finance', organisation: null }, correlationId: 'c', causationId: null, effectiveAt: '2025-03-01T00:00:00Z', idempotencyKey: null },
    streamId: 'statement-x',
    revision: BigInt(position),
    globalPosition: BigInt(position),
    recordedAt: '2025-03-01T00:00:00.000Z',
    previousHash: null,
    hash: 'x',
  };
}

describe('stored event fixtures read by their consumers', () => {
  it.each(fixtures.filter((f) => f.type === 'StatementRowsRecorded').map((f) => [f.file, f] as const))('%s gives its rows to rm_finance_statement_rows', (_, fixture) => {
    const stored = fixture.data as { statementId: string; rows: Array<{ line: number; reference: string; amountFen: number; direction: string; payeeName?: string | null }> };
    const rows = statementRowsProjection.rowsFor(recorded(fixture, 1));
    expect(rows).toHaveLength(stored.rows.length);
    stored.rows.forEach((r, i) =>
      expect(rows[i]).toMatchObject({ statement_id: stored.statementId, line_no: r.line, reference: r.reference, amount_fen: String(r.amountFen), direction: r.direction, payee_name: r.payeeName ?? null }),
    );
  });

  it.each(fixtures.filter((f) => f.type === 'StatementImported').map((f) => [f.file, f] as const))('%s gives its header to rm_finance_statements', (_, fixture) => {
    const stored = fixture.data as { statementId: string; city: string; rowCount: number; debit: { totalFen: number }; contentSha256?: string | null };
    const [row] = statementsProjection.rowsFor(recorded(fixture, 2));
    expect(row).toMatchObject({ statement_id: stored.statementId, city: stored.city, row_count: stored.rowCount, debit_total_fen: String(stored.debit.totalFen), content_sha256: stored.contentSha256 ?? null });
  });

  it('LogCheckpointSealed is read by the checkpoint verifier', () => {
    const fixture = byName('AUDIT_EVENTS/LogCheckpointSealed.v1.json');
    expect(checkpointDataOf({ ...recorded(fixture, 3), streamId: 'log-checkpoints' })).toEqual(fixture.data);
  });

  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false }));
  const published = fixtures.filter((f) => contractsForDomainType(f.type).length > 0);

  it('covers published types of every context', () => {
    expect(new Set(published.map((f) => f.registry))).toEqual(new Set(['PROGRAMME_EVENTS', 'APPLICATION_EVENTS', 'GRANT_EVENTS', 'STATEMENT_EVENTS', 'AUDIT_EVENTS', 'REMINDER_EVENTS']));
  });

  // A Rizhao performance evaluation scores in hundredths (evaluation-index.ts: score = hundredths / 100):
  // GrantEvaluated.score and passMark may be fractional, and cn.ipstd.grants.grant-evaluated.v1 says so
  // (`points`: a number with at most two decimals). It first said integer; the fixture caught it.

  it.each(published.map((f) => [f.file, f] as const))('%s maps to integration events that match their published schemas', (_, fixture) => {
    const origin = { city: '320500', enterprise: { creditCode: '91320505MA1MXXXXX0', name: '苏州某某光电科技有限公司' } };
    const data = dataOf(fixture);
    for (const contract of contractsForDomainType(fixture.type)) {
      const mapped = contract.map(data, origin);
      const valid = ajv.validate(contract.schema, mapped);
      expect({ type: contract.type, errors: valid ? null : ajv.errors }).toEqual({ type: contract.type, errors: null });
      // What the mapping carries comes from the event: some of its values reach the consumer.
      const carried = leaves(data);
      expect([...leaves(mapped)].some((v) => carried.has(v))).toBe(true);
    }
  });
});
