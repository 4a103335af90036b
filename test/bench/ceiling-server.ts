/**
 * The REST ceiling of `npm run bench` (#19): the least an HTTP endpoint that commits what it is sent
 * can do on this machine. A bare node:http server, no framework: per POST it reads the body, parses
 * it as JSON and commits it as one row through pg (`insert ... returning`, one statement, so one
 * transaction), then answers 201 with the row's id. The bench starts it as its own process
 * (`node dist/test/bench/ceiling-server.js`, DATABASE_URL, PORT; 0 picks a free port) and drives it
 * with the REST workload's load generator (test/bench/rest.ts) before the app, on the same database.
 *
 * GET /rows answers how many rows the table holds, so the bench can check every 201 committed one.
 * It prints `ceiling: listening on http://127.0.0.1:<port>` once it accepts requests; SIGTERM
 * closes it.
 */
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { Pool } from 'pg';

/** The table the server writes to, in the database it is given (the bench's fresh REST database). */
const CEILING_TABLE = 'bench_ceiling';

/** A pool as large as the apps' (libs/platform runtime: max 20). */
const POOL_SIZE = 20;

const TABLE_SQL = `create table if not exists ${CEILING_TABLE} (
  id bigint generated always as identity primary key,
  body jsonb not null,
  received_at timestamptz not null default now()
)`;

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const pool = new Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined); // an idle client cut off when the bench drops the database
  await pool.query(TABLE_SQL);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url === '/rows') {
      req.resume();
      const { rows } = await pool.query<{ n: string }>(`select count(*) as n from ${CEILING_TABLE}`);
      answer(res, 200, JSON.stringify({ rows: Number(rows[0].n) }));
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      answer(res, 405, '{"error":"POST only, or GET /rows"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      answer(res, 400, '{"error":"the body is not JSON"}');
      return;
    }
    // pg would serialise an object itself; a string makes the one serialisation explicit.
    const { rows } = await pool.query<{ id: string }>(`insert into ${CEILING_TABLE} (body) values ($1) returning id`, [JSON.stringify(body)]);
    answer(res, 201, JSON.stringify({ id: rows[0].id }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) answer(res, 500, JSON.stringify({ error: error.message }));
      else res.destroy(error);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
  process.stdout.write(`ceiling: listening on http://127.0.0.1:${address.port}\n`);

  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void pool.end().finally(() => process.exit(0)));
  });
}

main().catch((error: Error) => {
  process.stderr.write(`ceiling server failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
