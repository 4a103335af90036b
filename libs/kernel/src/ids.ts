import { createHash, randomBytes } from 'node:crypto';
import { Clock } from './clock';

/** Source of new identifiers, injected so that deciders stay deterministic. */
export interface IdGenerator {
  next(): string;
}

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Within one millisecond the
 * 12-bit rand_a field is used as a counter so ids created by one generator sort in creation order.
 */
export class UuidV7Generator implements IdGenerator {
  private lastMs = -1;
  private counter = 0;
  constructor(
    private readonly clock: Clock,
    private readonly random: (n: number) => Buffer = pooledRandomBytes(),
  ) {}

  next(): string {
    let ms = this.clock.now().getTime();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter += 1;
      if (this.counter > 0xfff) {
        ms += 1;
        this.counter = 0;
      }
    } else {
      this.counter = 0;
    }
    this.lastMs = ms;
    const bytes = this.random(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | ((this.counter >> 8) & 0x0f);
    bytes[7] = this.counter & 0xff;
    bytes[8] = 0x80 | (bytes[8] & 0x3f);
    return formatUuid(bytes);
  }
}

/**
 * Random bytes from the CSPRNG, drawn from a buffer filled 4 KiB at a time: one call into the CSPRNG
 * per 256 ids instead of one per id (a REST submission creates several ids: the request's
 * correlation id and its events'). Every byte is handed out once, as a copy.
 */
export function pooledRandomBytes(poolSize = 4096): (n: number) => Buffer {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return (n) => {
    if (n > poolSize) return randomBytes(n);
    if (offset + n > pool.length) {
      pool = randomBytes(poolSize);
      offset = 0;
    }
    const drawn = Buffer.from(pool.subarray(offset, offset + n));
    offset += n;
    return drawn;
  };
}

/** Deterministic name-based UUID (version 5, SHA-1) for ids derived from business keys. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = 0x50 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  return formatUuid(bytes);
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Namespace for grant ids derived from business keys (a fixed random UUID; never change it). */
export const GRANT_ID_NAMESPACE = '3b8e5c1d-7a42-4f09-9d6b-c2e1f4a8b730';

/** One grant per selected application: a process manager that awards twice lands on the same stream. */
export const grantIdFor = (applicationId: string): string => uuidV5(GRANT_ID_NAMESPACE, `grant:${applicationId}`);
