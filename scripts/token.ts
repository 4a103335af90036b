import { ConfigError, ROLES, loadConfig, loadOrCreateSigningKey, signHs256 } from '@ipstd/platform';

const USAGE = `usage: npm run token -- --role ROLE [--org CREDIT_CODE] [--district CODE] [--city CODE] [--sub ID] [--ttl SECONDS]
roles: ${ROLES.join(', ')}
Signs with the embedded default's key in DATA_DIR (or AUTH_HS256_SECRET) and prints the token.`;

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const match = argv[i].match(/^--(role|org|district|city|sub|ttl)$/);
    if (!match || argv[i + 1] === undefined) throw new Error(`unexpected argument ${argv[i]}`);
    out[match[1]] = argv[++i];
  }
  return out;
}

try {
  const args = parse(process.argv.slice(2));
  if (!args.role || !(ROLES as readonly string[]).includes(args.role)) throw new Error('--role is required and must be one of the roles');
  const config = loadConfig();
  if (config.auth.jwksUrl) throw new Error('AUTH_JWKS_URL is set: tokens come from your identity provider, not from this command');
  const secret = config.auth.hs256Secret ? Buffer.from(config.auth.hs256Secret) : loadOrCreateSigningKey(config.dataDir);
  const now = Math.floor(Date.now() / 1000);
  const ttl = Number(args.ttl ?? 12 * 3600);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive number of seconds');
  const claims = {
    sub: args.sub ?? `${args.role}-${args.org ?? args.district ?? args.city ?? 'user'}`,
    role: args.role,
    ...(args.org ? { org: args.org } : {}),
    ...(args.district ? { district: args.district } : {}),
    ...(args.city ? { city: args.city } : {}),
    ...(config.auth.issuer ? { iss: config.auth.issuer } : {}),
    ...(config.auth.audience ? { aud: config.auth.audience } : {}),
    iat: now,
    exp: now + ttl,
  };
  process.stdout.write(`${signHs256(claims, secret)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
