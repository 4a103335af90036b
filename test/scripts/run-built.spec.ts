import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * scripts/run-built.mjs (behind `npm run token` and `npm run verify`) runs dist/scripts/NAME.js at once when
 * the build is current and builds first when it is not. Checked in a throwaway project whose "build"
 * counts its runs and writes a script that prints its arguments.
 */
describe('scripts/run-built.mjs', () => {
  let project: string;
  const builds = (): number => (existsSync(join(project, 'builds')) ? readFileSync(join(project, 'builds'), 'utf8').length : 0);
  const run = (...args: string[]): string => execFileSync(process.execPath, ['scripts/run-built.mjs', ...args], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** As if the last build had begun this many seconds ago. */
  const builtAgo = (seconds: number): void => writeFileSync(join(project, 'dist', '.build-stamp'), `${Date.now() - seconds * 1000}\n`);
  const age = (path: string, secondsFromNow: number): void => {
    const when = new Date(Date.now() + secondsFromNow * 1000);
    utimesSync(join(project, path), when, when);
  };

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'run-built-'));
    mkdirSync(join(project, 'scripts'));
    mkdirSync(join(project, 'libs', 'x'), { recursive: true });
    copyFileSync(join(__dirname, '..', '..', 'scripts', 'run-built.mjs'), join(project, 'scripts', 'run-built.mjs'));
    writeFileSync(join(project, 'libs', 'x', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(
      join(project, 'fake-build.js'),
      [
        "const fs = require('node:fs');",
        "fs.appendFileSync('builds', 'b');",
        "fs.mkdirSync('dist/scripts', { recursive: true });",
        "fs.writeFileSync('dist/scripts/hello.js', 'process.stdout.write(`hello ${process.argv.slice(2).join(\" \")}\\\\n`);');",
        "console.log('build noise');",
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ private: true, scripts: { build: 'node scripts/run-built.mjs --begin && node fake-build.js && node scripts/run-built.mjs --stamp' } }),
    );
    // Every input is older than any build of this test.
    for (const path of ['libs/x/a.ts', 'libs/x', 'libs', 'scripts/run-built.mjs', 'scripts', 'package.json']) age(path, -60);
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('builds when there is no build yet, and prints only the script output on stdout', () => {
    expect(run('hello', '--role', 'auditor')).toBe('hello --role auditor\n');
    expect(builds()).toBe(1);
    expect(existsSync(join(project, 'dist', '.build-stamp'))).toBe(true);
  });

  it('runs at once while the build is current', () => {
    expect(run('hello', 'again')).toBe('hello again\n');
    expect(builds()).toBe(1);
  });

  it('builds again after a source file changes', () => {
    builtAgo(30);
    age('libs/x/a.ts', -10);
    expect(run('hello')).toBe('hello \n');
    expect(builds()).toBe(2);
    expect(run('hello')).toBe('hello \n');
    expect(builds()).toBe(2);
  });

  it('builds again after a source file is deleted (its folder changes)', () => {
    builtAgo(30);
    rmSync(join(project, 'libs', 'x', 'a.ts'));
    age('libs/x', -10);
    run('hello');
    expect(builds()).toBe(3);
  });

  it('builds again when package.json changes', () => {
    builtAgo(30);
    age('package.json', -10);
    run('hello');
    expect(builds()).toBe(4);
  });

  it('builds when the script is missing from dist, and refuses a bad name', () => {
    rmSync(join(project, 'dist', 'scripts', 'hello.js'));
    expect(run('hello', 'x')).toBe('hello x\n');
    expect(builds()).toBe(5);
    expect(() => run('../../etc/passwd')).toThrow();
  });
});
