// The stored event registries and the generated part of docs/events.md. Imported by `npm run events-doc`
// (scripts/events-doc.ts) and by the tests that diff the page and decode the fixtures.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DomainEvent, EventRegistry, EventSchema, decodeEvent } from '@ipstd/kernel';
import { APPLICATION_EVENTS, ENTERPRISE_EVENTS, EXPERT_POOL_EVENTS, PROGRAMME_EVENTS, WORKING_DAY_CALENDAR_EVENTS } from '@ipstd/applications';
import { RULE_CATALOG_EVENTS } from '@ipstd/funding-rules';
import { GRANT_EVENTS } from '@ipstd/grants';
import { STATEMENT_EVENTS } from '@ipstd/finance';
import { AUDIT_EVENTS } from '@ipstd/audit';
import { REMINDER_EVENTS, contractsForDomainType } from '@ipstd/messaging';

/** One registry of stored event types: where it is declared and which streams hold its events. */
export interface StoredRegistry {
  readonly name: string;
  readonly registry: EventRegistry<DomainEvent>;
  readonly declaredIn: string;
  readonly streams: string;
}

const as = (registry: unknown) => registry as EventRegistry<DomainEvent>;

/** Every registry of stored event types, in the order docs/events.md lists them. */
export const STORED_REGISTRIES: readonly StoredRegistry[] = [
  { name: 'PROGRAMME_EVENTS', registry: as(PROGRAMME_EVENTS), declaredIn: 'libs/applications/src/domain/programme.ts', streams: '`programme-<programmeId>`' },
  { name: 'APPLICATION_EVENTS', registry: as(APPLICATION_EVENTS), declaredIn: 'libs/applications/src/domain/application/events.ts', streams: '`application-<applicationId>`' },
  { name: 'ENTERPRISE_EVENTS', registry: as(ENTERPRISE_EVENTS), declaredIn: 'libs/applications/src/domain/enterprise.ts', streams: '`enterprise-<credit code>`' },
  { name: 'EXPERT_POOL_EVENTS', registry: as(EXPERT_POOL_EVENTS), declaredIn: 'libs/applications/src/domain/expert-pool.ts', streams: '`expert-pool-<city>`' },
  { name: 'RULE_CATALOG_EVENTS', registry: as(RULE_CATALOG_EVENTS), declaredIn: 'libs/funding-rules/src/rule-catalog.ts', streams: '`rule-set-catalog`' },
  { name: 'WORKING_DAY_CALENDAR_EVENTS', registry: as(WORKING_DAY_CALENDAR_EVENTS), declaredIn: 'libs/applications/src/domain/working-day-calendar.ts', streams: '`working-day-calendar`' },
  { name: 'GRANT_EVENTS', registry: as(GRANT_EVENTS), declaredIn: 'libs/grants/src/domain/events.ts', streams: '`grant-<grantId>`' },
  { name: 'STATEMENT_EVENTS', registry: as(STATEMENT_EVENTS), declaredIn: 'libs/finance/src/domain/events.ts', streams: '`statement-<statementId>`' },
  { name: 'AUDIT_EVENTS', registry: as(AUDIT_EVENTS), declaredIn: 'libs/audit/src/publish/audit-events.ts', streams: '`log-checkpoints`, `log-signed-checkpoints`' },
  { name: 'REMINDER_EVENTS', registry: as(REMINDER_EVENTS), declaredIn: 'libs/messaging/src/domain/reminders.ts', streams: '`reminder-<reminderId>`' },
];

/** A stored event as a fixture file holds it: test/fixtures/events/<REGISTRY>/<Type>.v<N>[.<variant>].json. */
export interface EventFixture {
  readonly registry: string;
  readonly file: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

export const FIXTURES_FOLDER = join('test', 'fixtures', 'events');

/** Every fixture file under `root`/test/fixtures/events, sorted by registry, type, version and variant. */
export function readEventFixtures(root: string): EventFixture[] {
  const folder = join(root, FIXTURES_FOLDER);
  const fixtures: EventFixture[] = [];
  for (const registry of readdirSync(folder).sort()) {
    const dir = join(folder, registry);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { type: string; schemaVersion: number; data: unknown };
      fixtures.push({ registry, file: `${registry}/${file}`, type: json.type, schemaVersion: json.schemaVersion, data: json.data });
    }
  }
  return fixtures;
}

/** Dotted paths of every field in a JSON value (array elements as `[]`), with the JSON type of each leaf. */
export function fieldPaths(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.set(`${path}[]`, 'array');
      for (const item of v) visit(item, `${path}[]`);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) visit(child, path ? `${path}.${key}` : key);
    } else {
      const type = v === null ? 'null' : typeof v;
      const seen = out.get(path);
      out.set(path, seen && seen !== type ? [...new Set([...seen.split(' | '), type])].sort().join(' | ') : type);
    }
  };
  visit(value, prefix);
  return out;
}

/** The top-level fields of an event's data, each with its JSON type (`object`, `array` or the leaf type). */
function topLevelFields(data: unknown): string[] {
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data as Record<string, unknown>).map(([key, v]) => `\`${key}\` ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`);
}

/** What the upcaster does to the fixture of an older version: the fields it adds and removes (deep paths, arrays as `[]`). */
export function upcastEffect(registry: EventRegistry<DomainEvent>, fixture: EventFixture): { added: string[]; removed: string[] } {
  const before = fieldPaths(fixture.data);
  const after = fieldPaths(decodeEvent(registry, fixture.type, fixture.schemaVersion, fixture.data).data);
  const top = (paths: string[]) => paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}.`)));
  const parentsOf = (paths: Map<string, string>) => new Set([...paths.keys()].flatMap((p) => p.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const beforeAll = parentsOf(before);
  const afterAll = parentsOf(after);
  return {
    added: top([...afterAll].filter((p) => !beforeAll.has(p))).sort(),
    removed: top([...beforeAll].filter((p) => !afterAll.has(p))).sort(),
  };
}

const escape = (text: string) => text.replace(/\|/g, '\\|');

/**
 * The generated part of docs/events.md: per registry, every stored type with its current schema
 * version, its older versions and what their upcaster adds, its fields (from the fixture of its
 * current version) and the integration events it is published as.
 */
export function eventsCatalogue(root: string): string {
  const fixtures = readEventFixtures(root);
  const lines: string[] = [
    '## Catalogue',
    '',
    'Generated by `npm run events-doc` from the registries and the fixtures in `test/fixtures/events`',
    '(fields: the top-level fields of the fixture of the current version). Do not edit between the markers.',
  ];
  for (const { name, registry, declaredIn, streams } of STORED_REGISTRIES) {
    lines.push('', `### \`${name}\` (${streams})`, '', `Declared in \`${declaredIn}\`.`, '', '| type | schema | older versions (upcast) | fields | integration events |', '|---|---|---|---|---|');
    for (const [type, schema] of Object.entries(registry as Record<string, EventSchema>)) {
      const ofType = fixtures.filter((f) => f.registry === name && f.type === type);
      const current = ofType.find((f) => f.schemaVersion === schema.version && f.file.endsWith(`${type}.v${schema.version}.json`));
      const older = [...new Set(ofType.filter((f) => f.schemaVersion < schema.version).map((f) => f.schemaVersion))].sort((a, b) => a - b).map((version) => {
        const fixture = ofType.find((f) => f.schemaVersion === version && f.file.endsWith(`${type}.v${version}.json`))!;
        const { added, removed } = upcastEffect(registry, fixture);
        const parts = [added.length ? `adds ${added.map((p) => `\`${p}\``).join(', ')}` : '', removed.length ? `drops ${removed.map((p) => `\`${p}\``).join(', ')}` : ''].filter(Boolean);
        return `v${version}: ${parts.join('; ') || 'same fields'}`;
      });
      const fields = current ? topLevelFields(current.data).join(', ') : '(no fixture)';
      const published = contractsForDomainType(type).map((c) => `\`${c.type}\``).join(', ') || '—';
      lines.push(`| \`${type}\` | ${schema.version} | ${escape(older.join('<br>') || '—')} | ${escape(fields)} | ${published} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const GENERATED_BEGIN = '<!-- generated:begin (npm run events-doc) -->';
export const GENERATED_END = '<!-- generated:end -->';

/** The page with the text between the markers replaced by `generated`; throws when the markers are missing. */
export function withCatalogue(page: string, generated: string): string {
  const begin = page.indexOf(GENERATED_BEGIN);
  const end = page.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) throw new Error(`docs/events.md has no ${GENERATED_BEGIN} … ${GENERATED_END} markers`);
  return `${page.slice(0, begin + GENERATED_BEGIN.length)}\n${generated}${page.slice(end)}`;
}
