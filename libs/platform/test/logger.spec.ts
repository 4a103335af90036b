import { Logger as NestLogger } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import { createLogger, scrubText } from '../src/observability/logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';

describe('logger', () => {
  it('writes JSON lines with ISO time and level names, honouring the level', () => {
    const { logger, parsed } = capture('warn');
    logger.info('hidden');
    logger.warn({ context: 'x' }, 'shown');
    expect(parsed()).toEqual([{ level: 'warn', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), context: 'x', msg: 'shown' }]);
  });

  it('redacts contact persons, tokens and the Authorization header wherever they sit', () => {
    const { logger, lines } = capture();
    const profile = { enterprise: { creditCode: '91320505MA1M11111A', name: '苏州某科技有限公司', contact: { name: '张三', phone: '13800000000' } } };
    logger.info({ profile, headers: { authorization: `Bearer ${TOKEN}` }, req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: 's=1' } }, token: TOKEN }, 'submitted');
    logger.info({ application: { profile } }, 'nested');
    logger.info({ contactName: '李四', contactPhone: '0512-66668888' }, 'flat');
    const text = lines.join('');
    for (const secret of ['张三', '李四', '13800000000', '0512-66668888', TOKEN, 's=1']) expect(text).not.toContain(secret);
    expect(text).toContain('91320505MA1M11111A');
    expect(text).toContain('[redacted]');
  });

  it('scrubs phone numbers and tokens out of messages and errors, but not ids', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error(`insert failed for 13912345678 with Bearer ${TOKEN}`) }, 'call 0512-12345678 or +86 13700000000');
    const text = lines.join('');
    for (const secret of ['13912345678', '0512-12345678', '13700000000', TOKEN]) expect(text).not.toContain(secret);
    logger.error({ msg: 'request failed', error: 'QueryFailedError: value 13612345678 too long\n    at x' }, 'nested string');
    expect(lines.join('')).not.toContain('13612345678');
    expect(scrubText('application 0193a1b2-0000-7000-8000-013800000000 of 91320505MA1M11111A')).toBe('application 0193a1b2-0000-7000-8000-013800000000 of 91320505MA1M11111A');
  });

  it('scrubs what Nest code logs through nestjs-pino, as the ProblemFilter logs a 5xx', () => {
    const { logger, parsed } = capture();
    const nest = new Logger(new PinoLogger({ pinoHttp: { logger } }), {});
    NestLogger.overrideLogger(nest);
    try {
      new NestLogger('http').error({ msg: 'request failed', path: '/v1/x', error: 'Error: contact 13512345678 refused\n    at y' });
    } finally {
      NestLogger.overrideLogger(true);
    }
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'error', context: 'http', path: '/v1/x' });
    expect(JSON.stringify(line)).not.toContain('13512345678');
  });
});
