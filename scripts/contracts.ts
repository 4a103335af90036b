// Imported by path so that writing the contract files loads no server code.
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { publishedContractFiles } from '../libs/messaging/src/contracts/published-files';

const USAGE = `usage: npm run contracts [-- --check]
Writes docs/integration/asyncapi.json and docs/integration/schemas/*.json from the integration
contracts in libs/messaging. With --check, writes nothing and exits 1 when a file is out of date.`;

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  if (args.some((a) => a !== '--check')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const check = args.includes('--check');
  const root = resolve(__dirname, '..', '..', 'docs', 'integration');
  const files = publishedContractFiles();
  const stale: string[] = [];
  for (const [path, text] of files) {
    const target = join(root, path);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : null;
    if (current === text) continue;
    stale.push(path);
    if (!check) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  const schemaDir = join(root, 'schemas');
  const extra = existsSync(schemaDir) ? readdirSync(schemaDir).filter((f) => !files.has(`schemas/${f}`)) : [];
  for (const file of extra) {
    stale.push(`schemas/${file} (no longer published)`);
    if (!check) rmSync(join(schemaDir, file));
  }
  if (check && stale.length) {
    process.stderr.write(`out of date in docs/integration (run npm run contracts):\n  ${stale.join('\n  ')}\n`);
    return 1;
  }
  process.stdout.write(check ? `docs/integration is up to date (${files.size} files)\n` : `wrote ${stale.length} of ${files.size} files in ${root}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
