import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export type BuiltAppName = 'standalone' | 'applications-service' | 'grants-service' | 'projections-service' | 'integration-gateway';

/** The built entry point of an app (npm test builds before running jest). */
export function builtApp(app: BuiltAppName): string {
  const main = join(root, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first (npm test does)`);
  return main;
}

export interface RunningApp {
  readonly process: ChildProcess;
  readonly url: string;
  output(): string;
}

/**
 * Starts a built app as its own process with only PATH and `env` (which must name its PORT), and waits
 * until it answers on /health/live. A process that does not come up is killed and its output thrown.
 */
export async function startBuiltApp(main: string, env: Record<string, string>): Promise<RunningApp> {
  if (!env.PORT) throw new Error('startBuiltApp needs env.PORT');
  const url = `http://127.0.0.1:${env.PORT}`;
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${main} exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`${url}/health/live`).then((r) => r.ok, () => false)) break;
    if (Date.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`${main} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { process: child, url, output: () => output };
}

/** Stops an app with a signal and resolves with its exit code (null when killed by the signal). */
export async function stopApp(running: RunningApp, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (running.process.exitCode !== null || running.process.signalCode !== null) return running.process.exitCode;
  const exited = new Promise((resolve) => running.process.once('exit', resolve));
  running.process.kill(signal);
  await exited;
  return running.process.exitCode;
}
