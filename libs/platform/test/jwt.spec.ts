import { createSign, generateKeyPairSync, sign as signRaw } from 'node:crypto';
import { JwtError, jwksResolver, signHs256, verifyJwt } from '../src/auth/jwt';
import { loadConfig } from '../src/config/config';

const now = new Date('2024-11-01T00:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const secret = Buffer.from('a-secret-that-is-long-enough-0123456789');
const hs = async () => secret;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('JWT verification', () => {
  it('accepts a valid HS256 token and returns its claims', async () => {
    const token = signHs256({ sub: 'u1', role: 'auditor', exp: t + 60 }, secret);
    await expect(verifyJwt(token, hs, { now })).resolves.toMatchObject({ sub: 'u1', role: 'auditor' });
  });

  it.each([
    ['a wrong signature', () => signHs256({ sub: 'u1', exp: t + 60 }, 'another-secret-of-sufficient-length!!'), 'bad signature'],
    ['an expired token', () => signHs256({ sub: 'u1', exp: t - 120 }, secret), 'token expired'],
    ['a token not yet valid', () => signHs256({ sub: 'u1', nbf: t + 600 }, secret), 'token not yet valid'],
    ['alg none', () => `${b64({ alg: 'none' })}.${b64({ sub: 'u1' })}.`, 'unsupported algorithm none'],
    ['garbage', () => 'not.a.jwt', 'malformed token'],
  ])('refuses %s', async (_, make, reason) => {
    await expect(verifyJwt(make(), hs, { now })).rejects.toThrow(new JwtError(reason));
  });

  it('checks issuer and audience when configured', async () => {
    const token = signHs256({ sub: 'u1', iss: 'https://idp.example', aud: ['ipstd'], exp: t + 60 }, secret);
    await expect(verifyJwt(token, hs, { now, issuer: 'https://idp.example', audience: 'ipstd' })).resolves.toBeTruthy();
    await expect(verifyJwt(token, hs, { now, issuer: 'https://other' })).rejects.toThrow('wrong issuer');
    await expect(verifyJwt(token, hs, { now, audience: 'finance' })).rejects.toThrow('wrong audience');
  });

  describe('with keys from an OIDC issuer (JWKS)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = {
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256' },
      ],
    };
    let fetches = 0;
    const resolver = jwksResolver('https://idp.example/jwks', async () => {
      fetches++;
      return jwks;
    });

    function rs256(claims: object, kid = 'rsa-1'): string {
      const input = `${b64({ alg: 'RS256', kid })}.${b64(claims)}`;
      return `${input}.${createSign('sha256').update(input).sign(rsa.privateKey).toString('base64url')}`;
    }
    function es256(claims: object): string {
      const input = `${b64({ alg: 'ES256', kid: 'ec-1' })}.${b64(claims)}`;
      return `${input}.${signRaw('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    }

    it('verifies RS256 and ES256 tokens, fetching the key set once', async () => {
      await expect(verifyJwt(rs256({ sub: 'r', exp: t + 60 }), resolver, { now })).resolves.toMatchObject({ sub: 'r' });
      await expect(verifyJwt(es256({ sub: 'e', exp: t + 60 }), resolver, { now })).resolves.toMatchObject({ sub: 'e' });
      expect(fetches).toBe(1);
    });

    it('refuses an unknown key id and a tampered payload', async () => {
      await expect(verifyJwt(rs256({ sub: 'r' }, 'rsa-unknown'), resolver, { now })).rejects.toThrow('unknown key id');
      const [h, , s] = rs256({ sub: 'r', role: 'applicant' }).split('.');
      await expect(verifyJwt(`${h}.${b64({ sub: 'r', role: 'auditor' })}.${s}`, resolver, { now })).rejects.toThrow('bad signature');
    });

    it('never accepts an HS256 token signed with a public key as the secret', async () => {
      const forged = signHs256({ sub: 'x' }, JSON.stringify(jwks.keys[0]));
      await expect(verifyJwt(forged, resolver, { now })).rejects.toThrow(JwtError);
    });
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, eventStore: 'postgres', databaseUrl: null, bodyLimit: '1mb', idempotencyRetentionHours: 168 });
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      loadConfig({ PORT: '-1', EVENT_STORE: 'eventstoredb', LOG_LEVEL: 'loud', AUTH_HS256_SECRET: 'short' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const expected of ['PORT must be an integer', 'EVENT_STORE=eventstoredb needs EVENTSTOREDB_URL', 'LOG_LEVEL must be', 'AUTH_HS256_SECRET must be at least 32']) {
      expect(message).toContain(expected);
    }
  });
});
