// Runs a built script (dist/scripts/NAME.js) at once when the build is current, and builds first only when
// it is not: `npm run token` and `npm run verify` use it so that they start without a full build
// (`npm start` still always builds).
//
//   node scripts/run-built.mjs NAME [ARGS...]   run dist/scripts/NAME.js with ARGS, building first if needed
//   node scripts/run-built.mjs --begin          (first step of `npm run build`) note the time the build starts
//   node scripts/run-built.mjs --stamp          (last step of `npm run build`) mark dist as built from that time
//
// The build is current when dist/.build-stamp exists and no file or folder the build reads (apps, libs,
// scripts, test/bench, types, tsconfig*.json, package.json, package-lock.json) changed after the build
// that wrote the stamp began. Folders count too, so a deleted or renamed file also triggers a build.
// Plain Node, no dependencies: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const STAMP = join(dist, '.build-stamp');
const STARTED = join(dist, '.build-started');
const INPUT_FOLDERS = ['apps', 'libs', 'scripts', 'test/bench', 'types'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The latest modification time (ms) among the build's inputs, folders included. */
function newestInput() {
  let newest = 0;
  const seen = (path) => {
    const mtime = statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  };
  const walk = (folder) => {
    seen(folder);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) seen(path);
    }
  };
  for (const folder of INPUT_FOLDERS) if (existsSync(join(root, folder))) walk(join(root, folder));
  for (const file of INPUT_FILES) if (existsSync(join(root, file))) seen(join(root, file));
  return newest;
}

/** The time the build that wrote the stamp began, or undefined without a stamp. */
function builtFrom() {
  if (!existsSync(STAMP)) return undefined;
  const value = Number(readFileSync(STAMP, 'utf8').trim());
  return Number.isFinite(value) ? value : undefined;
}

const [first, ...rest] = process.argv.slice(2);
if (first === '--begin') {
  mkdirSync(dist, { recursive: true });
  writeFileSync(STARTED, `${Date.now()}\n`);
} else if (first === '--stamp') {
  if (existsSync(STARTED)) renameSync(STARTED, STAMP);
} else if (first && /^[a-z][a-z0-9-]*$/.test(first)) {
  const script = join(dist, 'scripts', `${first}.js`);
  const from = builtFrom();
  if (from === undefined || !existsSync(script) || newestInput() >= from) {
    // Build output goes to stderr, so that `$(npm run -s token ...)` captures only the script's own output.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  process.argv = [process.argv[0], script, ...rest];
  await import(pathToFileURL(script).href);
} else {
  process.stderr.write('usage: node scripts/run-built.mjs NAME [ARGS...] | --begin | --stamp\n');
  process.exit(2);
}
