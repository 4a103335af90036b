import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHmac, createSign, generateKeyPairSync, sign as signRaw, KeyObject } from 'node:crypto';
import { JwtError, KeySetUnavailableError, TokenKeys, VerifiedTokenCache, jwksKeys, secretKeys, signHs256, verifyJwt } from '../src/auth/jwt';
import { principalOf } from '../src/auth/principal';
import { loadConfig } from '../src/config/config';

const now = new Date('2024-11-01T00:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const secret = Buffer.from('a-secret-that-is-long-enough-0123456789');
const hs: TokenKeys = secretKeys(secret);

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
/** HS256 over raw header and payload text, for payloads JSON.stringify would not produce. */
function hsRaw(header: string, payload: string, key: Buffer | string = secret): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
async function refusal(token: string, keys: TokenKeys = hs, options: Partial<Parameters<typeof verifyJwt>[2]> = {}): Promise<string> {
  try {
    await verifyJwt(token, keys, { now, ...options });
  } catch (error) {
    if (error instanceof JwtError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('JWT verification (jose)', () => {
  it('accepts a valid HS256 token and returns its claims', async () => {
    const token = signHs256({ sub: 'u1', role: 'auditor', exp: t + 60 }, secret);
    await expect(verifyJwt(token, hs, { now })).resolves.toMatchObject({ sub: 'u1', role: 'auditor' });
  });

  it.each([
    ['a wrong signature', () => signHs256({ sub: 'u1', exp: t + 60 }, 'another-secret-of-sufficient-length!!'), 'bad-signature'],
    ['an expired token', () => signHs256({ sub: 'u1', exp: t - 120 }, secret), 'expired'],
    ['a token not yet valid', () => signHs256({ sub: 'u1', exp: t + 3600, nbf: t + 600 }, secret), 'not-yet-valid'],
    ['a token without exp', () => signHs256({ sub: 'u1', role: 'auditor' }, secret), 'expiry-missing'],
    ['a non-numeric exp', () => signHs256({ sub: 'u1', exp: 'never' } as never, secret), 'claims-invalid'],
    ['an exp of null', () => signHs256({ sub: 'u1', exp: null } as never, secret), 'claims-invalid'],
    ['a numeric-string exp', () => signHs256({ sub: 'u1', exp: String(t + 60) } as never, secret), 'claims-invalid'],
    ['a non-numeric nbf', () => signHs256({ sub: 'u1', exp: t + 60, nbf: 'x' } as never, secret), 'claims-invalid'],
    ['alg none', () => `${b64({ alg: 'none' })}.${b64({ sub: 'u1', exp: t + 60 })}.`, 'algorithm-not-allowed'],
    ['alg none, with a signature', () => `${b64({ alg: 'none' })}.${b64({ sub: 'u1', exp: t + 60 })}.AAAA`, 'algorithm-not-allowed'],
    ['alg HS512', () => signHs256({ sub: 'u1', exp: t + 60 }, secret, { alg: 'HS512' }), 'algorithm-not-allowed'],
    ['alg RS256 on the shared secret', () => signHs256({ sub: 'u1', exp: t + 60 }, secret, { alg: 'RS256' }), 'algorithm-not-allowed'],
    ['a payload of null', () => signHs256(null, secret), 'malformed'],
    ['a payload that is an array', () => hsRaw('{"alg":"HS256"}', '[1,2]'), 'malformed'],
    ['a payload that is not JSON', () => hsRaw('{"alg":"HS256"}', 'not json'), 'malformed'],
    ['a header that is not JSON', () => hsRaw('nope', '{}'), 'malformed'],
    ['garbage', () => 'not.a.jwt', 'malformed'],
    ['two parts', () => 'a.b', 'malformed'],
    ['a token longer than 8 KiB', () => signHs256({ sub: 'x'.repeat(9000), exp: t + 60 }, secret), 'malformed'],
  ])('refuses %s', async (_, make, reason) => {
    expect(await refusal(make())).toBe(reason);
  });

  it('allows the configured clock skew on exp and nbf, and no more', async () => {
    const expired30 = signHs256({ sub: 'u1', exp: t - 30 }, secret);
    expect(await refusal(expired30, hs, { clockSkewSeconds: 60 })).toBe('accepted');
    expect(await refusal(expired30, hs, { clockSkewSeconds: 10 })).toBe('expired');
    const early30 = signHs256({ sub: 'u1', exp: t + 3600, nbf: t + 30 }, secret);
    expect(await refusal(early30, hs, { clockSkewSeconds: 60 })).toBe('accepted');
    expect(await refusal(early30, hs, { clockSkewSeconds: 0 })).toBe('not-yet-valid');
  });

  it('judges expiry by the injected clock, not the machine clock', async () => {
    const token = signHs256({ sub: 'u1', exp: t + 60 }, secret);
    expect(await refusal(token, hs, { now: new Date((t + 3600) * 1000) })).toBe('expired');
    expect(await refusal(token, hs, { now })).toBe('accepted');
  });

  it('checks issuer and audience when configured', async () => {
    const token = signHs256({ sub: 'u1', iss: 'https://idp.example', aud: ['ipstd'], exp: t + 60 }, secret);
    expect(await refusal(token, hs, { issuer: 'https://idp.example', audience: 'ipstd' })).toBe('accepted');
    expect(await refusal(token, hs, { issuer: 'https://other' })).toBe('wrong-issuer');
    expect(await refusal(token, hs, { audience: 'finance' })).toBe('wrong-audience');
    expect(await refusal(signHs256({ sub: 'u1', iss: 42, exp: t + 60 } as never, secret), hs, { issuer: 'https://idp.example' })).toBe('wrong-issuer');
  });

  describe('with keys from an OIDC issuer (JWKS)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = (key: KeyObject, kid: string, alg: string) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' });
    let keys = [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')];
    let fetches = 0;
    let failing = false;
    let server: Server;
    let url: string;

    beforeAll(async () => {
      server = createServer((_, response) => {
        fetches++;
        if (failing) {
          response.writeHead(500).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function rs256(claims: object, kid = 'rsa-1', key = rsa.privateKey): string {
      const input = `${b64({ alg: 'RS256', kid })}.${b64(claims)}`;
      return `${input}.${createSign('sha256').update(input).sign(key).toString('base64url')}`;
    }
    function es256(claims: object): string {
      const input = `${b64({ alg: 'ES256', kid: 'ec-1' })}.${b64(claims)}`;
      return `${input}.${signRaw('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    }

    it('verifies RS256 and ES256 tokens, fetching the key set once', async () => {
      const jwks = jwksKeys(url, { cacheMaxAgeSeconds: 600, cooldownSeconds: 30 });
      fetches = 0;
      await expect(verifyJwt(rs256({ sub: 'r', exp: t + 60 }), jwks, { now })).resolves.toMatchObject({ sub: 'r' });
      await expect(verifyJwt(es256({ sub: 'e', exp: t + 60 }), jwks, { now })).resolves.toMatchObject({ sub: 'e' });
      expect(fetches).toBe(1);
    });

    it('refuses an unknown key id, a tampered payload, a token without exp and HS256 (alg swap with the public key as secret)', async () => {
      const jwks = jwksKeys(url, { cacheMaxAgeSeconds: 600, cooldownSeconds: 30 });
      expect(await refusal(rs256({ sub: 'r', exp: t + 60 }, 'rsa-unknown'), jwks)).toBe('unknown-key');
      const [h, , s] = rs256({ sub: 'r', role: 'applicant', exp: t + 60 }).split('.');
      expect(await refusal(`${h}.${b64({ sub: 'r', role: 'auditor', exp: t + 60 })}.${s}`, jwks)).toBe('bad-signature');
      expect(await refusal(rs256({ sub: 'r' }), jwks)).toBe('expiry-missing');
      const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
      expect(await refusal(signHs256({ sub: 'x', exp: t + 60 }, pem, { alg: 'HS256', kid: 'rsa-1' }), jwks)).toBe('algorithm-not-allowed');
      expect(await refusal(signHs256({ sub: 'x', exp: t + 60 }, JSON.stringify(keys[0]), { alg: 'HS256', kid: 'rsa-1' }), jwks)).toBe('algorithm-not-allowed');
    });

    it('follows a key rotation: a new kid refetches the set (after the cooldown)', async () => {
      const jwks = jwksKeys(url, { cacheMaxAgeSeconds: 600, cooldownSeconds: 0 });
      await expect(verifyJwt(rs256({ sub: 'r', exp: t + 60 }), jwks, { now })).resolves.toBeTruthy();
      keys = [jwk(rsa2.publicKey, 'rsa-2', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')];
      fetches = 0;
      await expect(verifyJwt(rs256({ sub: 'r2', exp: t + 60 }, 'rsa-2', rsa2.privateKey), jwks, { now })).resolves.toMatchObject({ sub: 'r2' });
      expect(fetches).toBe(1);
      await new Promise((r) => setTimeout(r, 5));
      expect(await refusal(rs256({ sub: 'r', exp: t + 60 }), jwks)).toBe('unknown-key');
    });

    it('reports an unreachable key set as unavailable, not as the caller\'s fault', async () => {
      const jwks = jwksKeys(url, { cacheMaxAgeSeconds: 600, cooldownSeconds: 30 });
      failing = true;
      try {
        await expect(verifyJwt(rs256({ sub: 'r', exp: t + 60 }, 'rsa-2', rsa2.privateKey), jwks, { now })).rejects.toBeInstanceOf(KeySetUnavailableError);
      } finally {
        failing = false;
      }
    });
  });
});

describe('claims of a verified token', () => {
  it.each([
    ['a null payload', null],
    ['an array payload', ['x']],
    ['no sub', { role: 'auditor' }],
    ['an unknown role', { sub: 'u', role: 'root' }],
    ['a sub with a NUL', { sub: 'u\u0000', role: 'auditor' }],
    ['an org with a NUL', { sub: 'u', role: 'applicant', org: '91320505MA0000001\u0000' }],
    ['an org that is a number', { sub: 'u', role: 'applicant', org: 913205 }],
    ['a city prefix', { sub: 'u', role: 'programme-admin', city: '3205' }],
    ['a city that is an object', { sub: 'u', role: 'programme-admin', city: { code: '320500' } }],
    ['a district with a letter', { sub: 'u', role: 'district-office', district: '32050X' }],
  ])('refuses %s', (_, claims) => {
    expect(principalOf(claims)).toBeNull();
  });

  it('reads the known claims and treats null optional claims as absent', () => {
    expect(principalOf({ sub: 'u', role: 'programme-admin', city: '320583', org: null, extra: 1 })).toEqual({ sub: 'u', role: 'programme-admin', city: '320583', org: null, district: null });
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, eventStore: 'postgres', databaseUrl: null, bodyLimit: '1mb', idempotencyRetentionHours: 168 });
    expect(config.auth).toMatchObject({ clockSkewSeconds: 60, jwksCacheSeconds: 600, jwksCooldownSeconds: 30 });
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      loadConfig({ PORT: '-1', EVENT_STORE: 'eventstoredb', LOG_LEVEL: 'loud', AUTH_HS256_SECRET: 'short', AUTH_CLOCK_SKEW_SECONDS: '3600', AUTH_JWKS_URL: 'idp.example/jwks' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const expected of ['PORT must be an integer', 'EVENT_STORE=eventstoredb needs EVENTSTOREDB_URL', 'LOG_LEVEL must be', 'AUTH_HS256_SECRET must be at least 32', 'AUTH_CLOCK_SKEW_SECONDS must be an integer between 0 and 300', 'AUTH_JWKS_URL must be an http(s) URL']) {
      expect(message).toContain(expected);
    }
  });
});

describe('VerifiedTokenCache', () => {
  const at = (seconds: number) => new Date((t + seconds) * 1000);

  it('serves a verified token until its exp (with the clock tolerance) and for at most its maximum age', () => {
    const cache = new VerifiedTokenCache(10, 30_000);
    const claims = { sub: 'u1', role: 'auditor', exp: t + 100 };
    cache.set('tok', claims, at(0));
    expect(cache.get('tok', at(10), 0)).toBe(claims);
    expect(cache.get('tok', at(31), 0)).toBeNull(); // older than the maximum age: verify again
    cache.set('tok', claims, at(90));
    expect(cache.get('tok', at(101), 0)).toBeNull(); // expired
    cache.set('tok', claims, at(90));
    expect(cache.get('tok', at(101), 5)).toBe(claims); // within the tolerance
  });

  it('does not serve a token before its nbf, nor after the clock went back past its check', () => {
    const cache = new VerifiedTokenCache();
    const claims = { sub: 'u1', role: 'auditor', nbf: t + 50, exp: t + 100 };
    cache.set('tok', claims, at(60));
    expect(cache.get('tok', at(40), 0)).toBeNull();
    cache.set('tok', claims, at(60));
    expect(cache.get('tok', at(59), 0)).toBeNull();
  });

  it('keeps at most maxEntries tokens, dropping the oldest', () => {
    const cache = new VerifiedTokenCache(2, 60_000);
    const claims = { sub: 'u1', exp: t + 100 };
    cache.set('a', claims, at(0));
    cache.set('b', claims, at(0));
    cache.set('c', claims, at(0));
    expect(cache.get('a', at(1), 0)).toBeNull();
    expect(cache.get('b', at(1), 0)).toBe(claims);
    expect(cache.get('c', at(1), 0)).toBe(claims);
  });
});
