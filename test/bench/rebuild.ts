import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RebuildMeasurement {
  readonly seconds: number;
  readonly perSecond: number;
  readonly peakRssBytes: number;
}

/**
 * Runs `rebuild-read-models` (the built CLI) against the bench database as its own process, timing
 * it and polling its peak resident memory (VmHWM) until it exits.
 */
export async function measureRebuild(options: { repoRoot: string; databaseUrl: string; events: number }): Promise<RebuildMeasurement> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ipstd-bench-rebuild-'));
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(options.repoRoot, 'dist/apps/projections-service/src/rebuild.js')], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: options.databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0);
      if (kb * 1024 > peak) peak = kb * 1024;
    } catch {
      // the process has exited; the last reading stands
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  rmSync(dataDir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`rebuild-read-models exited with ${code}: ${stderr.slice(-2000)}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, perSecond: options.events / seconds, peakRssBytes: peak };
}
