import { randomBytes } from 'node:crypto';

/** Where the seed of a panel draw comes from: injected, so tests may fix it; the domain never makes one. */
export interface DrawSeedSource {
  /** 64 lowercase hexadecimal characters (256 bits). */
  next(): string;
}
export const DRAW_SEED_SOURCE = Symbol('DRAW_SEED_SOURCE');

/** The production source: 256 bits from the operating system's CSPRNG. */
export const cryptoSeedSource: DrawSeedSource = { next: () => randomBytes(32).toString('hex') };
