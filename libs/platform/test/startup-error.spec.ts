import { StartupError, describeStartupFailure } from '../src/startup-error';

describe('describeStartupFailure: one line for anything a start-up throws', () => {
  it('keeps a StartupError as it is, with its exit code', () => {
    expect(describeStartupFailure(new StartupError('DATA_DIR /x is in use by another running instance; stop it', 2))).toEqual({ line: 'DATA_DIR /x is in use by another running instance; stop it', exitCode: 2 });
  });

  it('describes undefined, null and non-errors without throwing (the old handler read .stack of undefined)', () => {
    for (const thrown of [undefined, null, '', 42, { reason: 'x' }]) {
      const { line, exitCode } = describeStartupFailure(thrown);
      expect(line).not.toContain('\n');
      expect(line.length).toBeGreaterThan(0);
      expect(exitCode).toBe(1);
    }
    expect(describeStartupFailure(undefined).line).toContain('unknown error');
  });

  it('gives an ordinary error its message on one line, with its code, and no stack', () => {
    const error = Object.assign(new Error('spawn /x/initdb failed\nsecond line'), { code: 'EACCES' });
    const { line, exitCode } = describeStartupFailure(error);
    expect(line).toBe('spawn /x/initdb failed | second line (EACCES); set LOG_LEVEL=debug to see where it came from');
    expect(exitCode).toBe(1);
  });
});
