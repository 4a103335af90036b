/**
 * Where the REST app's CPU time went: a V8 CPU profile (`node --cpu-prof`) of the standalone app,
 * its samples' self time summed by what the code belongs to. The bench quotes it with #13–#14, so
 * that a missed floor comes with its reason from the same run.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Categories in the order they are tried; the first match wins. */
const CATEGORIES: ReadonlyArray<readonly [string, (fn: string, url: string) => boolean]> = [
  ['idle (waiting for PostgreSQL or clients)', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['socket writes (PostgreSQL queries and HTTP responses)', (fn) => fn === 'writev' || fn === 'writeBuffer' || fn === 'writeUtf8String'],
  ['pg client (protocol, row parsing)', (_, url) => /node_modules\/(pg|pg-pool|pg-protocol|pg-types|postgres-date)\//.test(url)],
  ['request validation (class-validator, class-transformer)', (_, url) => /node_modules\/class-(validator|transformer)\//.test(url)],
  ['token verification (jose, WebCrypto)', (_, url) => /node_modules\/jose\//.test(url) || url.startsWith('node:internal/crypto/webcrypto') || url.startsWith('node:internal/crypto/util')],
  ['event hashing and canonical JSON', (_, url) => /libs\/(kernel\/src\/canonical-json|event-store\/src\/hashing)/.test(url) || url.startsWith('node:internal/crypto/hash')],
  [
    'HTTP framework (Nest, Express, body parsing, throttling, logging)',
    (_, url) => /node_modules\/(@nestjs|express|router|body-parser|raw-body|pino|pino-http|nestjs-pino|iconv-lite|qs)\//.test(url) || url.startsWith('node:_http') || /throttler/.test(url),
  ],
  ['application code (libs, apps)', (_, url) => /dist\/(libs|apps)\//.test(url)],
];

export interface ProfileShare {
  readonly category: string;
  readonly share: number;
}

/** Self time by category, largest first, as shares of the profile's whole time. */
export function summariseProfile(profile: CpuProfile): ProfileShare[] {
  const categoryOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url } = node.callFrame;
    const found = CATEGORIES.find(([, test]) => test(functionName, url));
    categoryOf.set(node.id, found ? found[0] : 'other (Node internals, program)');
  }
  const totals = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const category = categoryOf.get(id) ?? 'other (Node internals, program)';
    totals.set(category, (totals.get(category) ?? 0) + delta);
  });
  return [...totals].map(([category, time]) => ({ category, share: total > 0 ? time / total : 0 })).sort((a, b) => b.share - a.share);
}

/** Reads the one profile `node --cpu-prof --cpu-prof-dir=DIR` wrote. */
export function readProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one CPU profile in ${dir}, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as CpuProfile;
}

export function describeShares(shares: readonly ProfileShare[]): string {
  return shares
    .filter((s) => s.share >= 0.01)
    .map((s) => `${s.category} ${(100 * s.share).toFixed(0)} %`)
    .join('; ');
}
