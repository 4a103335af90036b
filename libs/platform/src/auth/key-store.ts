import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the embedded default keeps its token-signing secret. */
export function signingKeyPath(dataDir: string): string {
  return join(dataDir, 'auth', 'hs256.key');
}

/** Reads the embedded default's signing secret, generating it on first use (readable by the owner only). */
export function loadOrCreateSigningKey(dataDir: string): Buffer {
  const path = signingKeyPath(dataDir);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  }
  return Buffer.from(readFileSync(path, 'utf8').trim());
}
