import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Every consumer of stored events reads them through the typed reader (libs/platform/src/events/
 * stored-events.ts, docs/events.md "Reading stored events"): decoded through the registries, upcast,
 * typed by event type. So no source file outside the reader decodes by hand (`decodeEvent(`) or casts
 * an event's data (`.data as X`, `(… .data ?? {}) as X`, `event as unknown as SomeEvent`).
 *
 * The exceptions, each with its reason. Anything else that matches fails this test.
 */
const ALLOWED: ReadonlyArray<{ readonly path: RegExp; readonly why: string }> = [
  { path: /^libs\/kernel\/src\/decider\.ts$/, why: 'defines decodeEvent, which the typed reader calls' },
  { path: /^libs\/platform\/src\/events\/stored-events\.ts$/, why: 'the typed reader itself, and its metadata upcaster (reads the city fields of older events as stored)' },
  { path: /^libs\/event-store[^/]*\/src\//, why: 'the store adapters carry data as opaque JSON; they never interpret it' },
  { path: /^libs\/audit\/src\/verify\//, why: 'the offline verifier validates the shape of an export it does not trust (a parser, not a cast)' },
  { path: /^libs\/audit\/src\/export\/log-export\.ts$/, why: 'the export is generic over every stored type (audit depends on no context): it reads programmeId structurally to tie streams to a programme' },
  { path: /^scripts\/events-catalogue\.ts$/, why: 'the catalogue generator (npm run events-doc) decodes the committed fixtures of every type through their registries to list the fields of the current shape: it documents events, it does not consume them' },
];

/** What a consumer may not write: a hand decode, or a cast of an event's data. */
const FORBIDDEN: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }> = [
  { pattern: /\bdecodeEvent\s*[<(]/, what: 'decodes by hand instead of through the typed reader' },
  { pattern: /\.data\s*\)?\s+as\s+(?!const\b)/, what: "casts an event's data" },
  { pattern: /\.data\s*\?\?\s*[^)\n]*\)\s*as\s/, what: "casts an event's data (with a default)" },
  { pattern: /\bas\s+unknown\s+as\s+(?:Extract<\s*)?\w*Event\b/, what: 'casts an event to a domain event type' },
];

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'test' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

export function findings(file: string, text: string): string[] {
  if (ALLOWED.some((a) => a.path.test(file))) return [];
  return text.split('\n').flatMap((line, i) => FORBIDDEN.filter((f) => f.pattern.test(line)).map((f) => `${file}:${i + 1} ${f.what}: ${line.trim()}`));
}

describe('stored events are read through the typed reader only', () => {
  // Consumers: the libraries' sources (their tests may build events by hand), the apps, the scripts.
  const files = [...sources(join(root, 'libs')).filter((f) => f.split(sep).includes('src')), ...sources(join(root, 'apps')), ...sources(join(root, 'scripts'))].map((f) =>
    relative(root, f).split(sep).join('/'),
  );

  it('finds the consumers to check', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'libs/read-models/src/projections/applications.projection.ts',
        'libs/finance/src/projections/ledger.projection.ts',
        'libs/messaging/src/contracts/cloud-event.ts',
        'libs/platform/src/commands/command-pipeline.ts',
        'scripts/verify.ts',
      ]),
    );
  });

  it('no consumer decodes by hand or casts the data of an event', () => {
    expect(files.flatMap((file) => findings(file, readFileSync(join(root, file), 'utf8')))).toEqual([]);
  });

  it('the check catches each kind of cast it is about, outside the allowed files only', () => {
    const file = 'libs/example/src/consumer.ts';
    const cases = [
      'const { applicationId } = recorded.data as { applicationId: string };',
      'keyOf: (event) => [(event.data as { grantId: string }).grantId],',
      'const data = (first.data ?? {}) as { terms?: { city?: unknown } };',
      "const { grantId } = (event as unknown as Extract<GrantEvent, { type: 'GrantAwarded' }>).data;",
      'const { creditCode } = (event as unknown as EnterpriseEvent).data;',
      'const event = decodeEvent<ProgrammeEvent>(PROGRAMME_EVENTS, recorded.type, recorded.schemaVersion, recorded.data);',
    ];
    for (const line of cases) expect(findings(file, line)).toHaveLength(1);
    expect(findings(file, "const event = readEventOf(GRANT_EVENTS, 'GrantAwarded', recorded);")).toEqual([]);
    expect(findings(file, 'const kinds = [1, 2] as const; const x = row.data;')).toEqual([]);
    expect(findings('libs/platform/src/events/stored-events.ts', cases[0])).toEqual([]);
  });
});
