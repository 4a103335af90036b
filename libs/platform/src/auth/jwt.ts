import { createHmac } from 'node:crypto';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

/**
 * jose 6 is published as ES modules only; Node ≥ 20.19 loads it through `require` (ADR 0013). The
 * type-only import above names its types; this is the one place that loads it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose: typeof Jose = require('jose');

export interface JwtClaims {
  readonly [claim: string]: unknown;
  readonly sub?: string;
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly iss?: string;
  readonly aud?: string | string[];
}

/** Why a token was refused; `reason` is stable and goes into the 401 answer. */
export type JwtRefusal =
  | 'malformed'
  | 'algorithm-not-allowed'
  | 'bad-signature'
  | 'unknown-key'
  | 'expired'
  | 'not-yet-valid'
  | 'expiry-missing'
  | 'claims-invalid'
  | 'wrong-issuer'
  | 'wrong-audience';

export class JwtError extends Error {
  constructor(readonly reason: JwtRefusal, message: string = reason) {
    super(message);
  }
}

/** The identity provider's key set could not be fetched: a server-side problem (503), not the caller's. */
export class KeySetUnavailableError extends Error {}

/**
 * Signs an HS256 token. Only `npm run token` and the tests sign: production tokens come from the
 * identity provider. Synchronous on purpose (the test helper builds tokens inline).
 */
export function signHs256(claims: JwtClaims | null, secret: Buffer | string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const b64url = (input: string) => Buffer.from(input).toString('base64url');
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * Where verification keys come from, with the algorithms that key type allows: the shared or
 * generated secret verifies HS256 only; keys from a JWKS verify RS256 and ES256 only. A token whose
 * header names another algorithm is refused before any key is looked at.
 */
export type TokenKeys =
  | { readonly kind: 'secret'; readonly algorithms: readonly ['HS256']; readonly secret: Uint8Array }
  | { readonly kind: 'jwks'; readonly algorithms: readonly ['RS256', 'ES256']; readonly keySet: Jose.JWTVerifyGetKey };

export function secretKeys(secret: Buffer | string): TokenKeys {
  return { kind: 'secret', algorithms: ['HS256'], secret: new Uint8Array(Buffer.from(secret)) };
}

export interface JwksOptions {
  /** How long a fetched key set is used before it is fetched again (key rotation at the provider). */
  readonly cacheMaxAgeSeconds: number;
  /** A token with a key id not in the cached set refetches the set, at most once per this many seconds. */
  readonly cooldownSeconds: number;
  readonly timeoutMs?: number;
}

/** RS256/ES256 keys from an OIDC provider's JWKS document, cached, refetched on an unknown kid and after the cache age. */
export function jwksKeys(url: string, options: JwksOptions): TokenKeys {
  const keySet = jose.createRemoteJWKSet(new URL(url), {
    cacheMaxAge: options.cacheMaxAgeSeconds * 1000,
    cooldownDuration: options.cooldownSeconds * 1000,
    timeoutDuration: options.timeoutMs ?? 5000,
  });
  return { kind: 'jwks', algorithms: ['RS256', 'ES256'], keySet };
}

export interface VerifyOptions {
  /** The injected clock's now: expiry is judged against it, not the machine's clock. */
  readonly now: Date;
  readonly issuer?: string | null;
  readonly audience?: string | null;
  /** Tolerance for clocks that disagree, applied to exp and nbf. */
  readonly clockSkewSeconds?: number;
}

/** Longer than any token an identity provider issues for this API; longer ones are not even decoded. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * Verifies a compact JWS with jose: the algorithm must be one the key type allows, the signature
 * must verify, the payload must be a JSON object with a numeric `exp` (required) and well-typed
 * `nbf`/`iat`/`iss`/`aud`, and `iss`/`aud` must match when configured. Throws JwtError with a
 * stable reason, or KeySetUnavailableError when the JWKS cannot be fetched.
 */
export async function verifyJwt(token: string, keys: TokenKeys, options: VerifyOptions): Promise<JwtClaims> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new JwtError('malformed', 'malformed token');
  const verifyOptions: Jose.JWTVerifyOptions = {
    algorithms: [...keys.algorithms],
    currentDate: options.now,
    clockTolerance: options.clockSkewSeconds ?? 60,
    requiredClaims: ['exp'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  try {
    const { payload } = keys.kind === 'secret' ? await jose.jwtVerify(token, keys.secret, verifyOptions) : await jose.jwtVerify(token, keys.keySet, verifyOptions);
    return payload as JwtClaims;
  } catch (error) {
    throw refusalOf(error, keys.kind);
  }
}

function refusalOf(error: unknown, kind: TokenKeys['kind']): Error {
  const code = (error as { code?: string })?.code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new JwtError('expired', 'token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as Jose.errors.JWTClaimValidationFailed;
      if (claim === 'exp' && reason === 'missing') return new JwtError('expiry-missing', 'token has no exp claim');
      if (claim === 'nbf' && reason === 'check_failed') return new JwtError('not-yet-valid', 'token not yet valid');
      if (claim === 'iss' && reason === 'check_failed') return new JwtError('wrong-issuer', 'wrong issuer');
      if (claim === 'aud' && reason === 'check_failed') return new JwtError('wrong-audience', 'wrong audience');
      return new JwtError('claims-invalid', `claim ${claim} is invalid`);
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new JwtError('algorithm-not-allowed', 'algorithm not allowed for this key');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new JwtError('bad-signature', 'bad signature');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new JwtError('unknown-key', 'unknown key id');
    case 'ERR_JOSE_GENERIC':
      // jose's remote key set reports a non-200 answer or a body that is not JSON this way.
      if (kind === 'jwks') return new KeySetUnavailableError(`the identity provider's key set could not be fetched: ${(error as Error).message}`);
      return new JwtError('malformed', 'malformed token');
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new KeySetUnavailableError(`the identity provider's key set could not be fetched (${code})`);
    case 'ERR_JWT_INVALID':
    case 'ERR_JWS_INVALID':
      return new JwtError('malformed', 'malformed token');
    default:
      // A failed fetch of the key set surfaces as a plain error (network, HTTP status): not the caller's fault.
      if (error instanceof jose.errors.JOSEError || kind === 'secret') return new JwtError('malformed', 'malformed token');
      return new KeySetUnavailableError(`the identity provider's key set could not be fetched: ${(error as Error)?.message ?? String(error)}`);
  }
}

/**
 * Tokens that verified, kept for a short while so that a client's run of requests with one token
 * costs one signature check. A hit is served only while the token's own exp and nbf (with the clock
 * tolerance) still hold at the injected clock's now, and for at most `maxAgeMs` after the check, so a
 * key withdrawn at the identity provider stops being honoured within that time. Only tokens that
 * verified are kept: a refused token is checked again every time.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { readonly claims: JwtClaims; readonly verifiedAt: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  get(token: string, now: Date, clockSkewSeconds: number): JwtClaims | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    const t = now.getTime();
    const skewMs = clockSkewSeconds * 1000;
    const { exp, nbf } = entry.claims;
    const fresh = t >= entry.verifiedAt && t - entry.verifiedAt < this.maxAgeMs;
    const valid = typeof exp === 'number' && t <= exp * 1000 + skewMs && (typeof nbf !== 'number' || t >= nbf * 1000 - skewMs);
    if (fresh && valid) return entry.claims;
    this.entries.delete(token);
    return null;
  }

  set(token: string, claims: JwtClaims, now: Date): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { claims, verifiedAt: now.getTime() });
  }
}
