import { KeyObject, createHmac, createPublicKey, timingSafeEqual, verify as verifySignature } from 'node:crypto';

export interface JwtClaims {
  readonly [claim: string]: unknown;
  readonly sub?: string;
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly iss?: string;
  readonly aud?: string | string[];
}

export class JwtError extends Error {}

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export function signHs256(claims: JwtClaims, secret: Buffer | string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Finds the key for a token: a shared secret for HS256, a public key (from a JWKS) for RS256/ES256. */
export type KeyResolver = (header: { alg: string; kid?: string }) => Promise<Buffer | KeyObject>;

export interface VerifyOptions {
  readonly now: Date;
  readonly issuer?: string | null;
  readonly audience?: string | null;
  readonly leewaySeconds?: number;
}

const ALGORITHMS: Record<string, { kind: 'hmac' | 'rsa' | 'ec'; hash: string }> = {
  HS256: { kind: 'hmac', hash: 'sha256' },
  RS256: { kind: 'rsa', hash: 'sha256' },
  ES256: { kind: 'ec', hash: 'sha256' },
};

/** Verifies a compact JWS and its time and audience claims. Throws JwtError with a reason. */
export async function verifyJwt(token: string, resolveKey: KeyResolver, options: VerifyOptions): Promise<JwtClaims> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('malformed token');
  let header: { alg: string; kid?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed token');
  }
  const algorithm = ALGORITHMS[header?.alg];
  if (!algorithm) throw new JwtError(`unsupported algorithm ${String(header?.alg)}`);
  const key = await resolveKey(header);
  const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  let valid: boolean;
  if (algorithm.kind === 'hmac') {
    if (!Buffer.isBuffer(key)) throw new JwtError('no shared secret for HS256');
    const expected = createHmac(algorithm.hash, key).update(signingInput).digest();
    valid = expected.length === signature.length && timingSafeEqual(expected, signature);
  } else {
    if (Buffer.isBuffer(key)) throw new JwtError(`no public key for ${header.alg}`);
    valid = verifySignature(algorithm.hash, signingInput, algorithm.kind === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
  }
  if (!valid) throw new JwtError('bad signature');
  const now = Math.floor(options.now.getTime() / 1000);
  const leeway = options.leewaySeconds ?? 60;
  if (typeof claims.exp === 'number' && now > claims.exp + leeway) throw new JwtError('token expired');
  if (typeof claims.nbf === 'number' && now + leeway < claims.nbf) throw new JwtError('token not yet valid');
  if (options.issuer && claims.iss !== options.issuer) throw new JwtError('wrong issuer');
  if (options.audience) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(options.audience)) throw new JwtError('wrong audience');
  }
  return claims;
}

/** Resolves RS256/ES256 keys from an OIDC issuer's JWKS document, cached and refreshed on unknown kid. */
export function jwksResolver(url: string, fetchJson: (url: string) => Promise<unknown> = defaultFetch): KeyResolver {
  let keys = new Map<string, KeyObject>();
  let fetchedAt = 0;
  const refresh = async () => {
    const document = (await fetchJson(url)) as { keys?: Array<Record<string, unknown>> };
    keys = new Map((document.keys ?? []).filter((k) => typeof k.kid === 'string').map((k) => [k.kid as string, createPublicKey({ key: k as never, format: 'jwk' })]));
    fetchedAt = Date.now();
  };
  return async ({ kid }) => {
    if (!kid) throw new JwtError('token has no key id');
    if (!keys.has(kid) && Date.now() - fetchedAt > 30_000) await refresh();
    const key = keys.get(kid);
    if (!key) throw new JwtError('unknown key id');
    return key;
  };
}

async function defaultFetch(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new JwtError(`JWKS fetch failed with ${response.status}`);
  return response.json();
}
