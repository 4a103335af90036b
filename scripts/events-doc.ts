import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventsCatalogue, withCatalogue } from './events-catalogue';

const USAGE = `usage: npm run events-doc [-- --check]
Writes the generated catalogue of docs/events.md (between its generated markers) from the stored event
registries and test/fixtures/events. With --check, writes nothing and exits 1 when the page is out of date.`;

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  if (args.some((a) => a !== '--check')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // Run from dist/scripts: the repository is two folders up.
  const root = resolve(__dirname, '..', '..');
  const path = join(root, 'docs', 'events.md');
  const current = readFileSync(path, 'utf8');
  const next = withCatalogue(current, eventsCatalogue(root));
  if (next === current) {
    process.stdout.write('docs/events.md is up to date\n');
    return 0;
  }
  if (args.includes('--check')) {
    process.stderr.write('docs/events.md is out of date: run npm run events-doc\n');
    return 1;
  }
  writeFileSync(path, next);
  process.stdout.write('wrote the catalogue of docs/events.md\n');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
