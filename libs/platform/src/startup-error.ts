/**
 * A start-up failure the operator can act on: `message` is one line saying what failed, why, and what
 * to do. Exit code 2 marks a configuration or environment problem (a variable, a folder, a port, a
 * data folder in use); 1 anything else.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** One line and an exit code for anything a start-up may throw, including non-errors and undefined. */
export function describeStartupFailure(error: unknown): { line: string; exitCode: 1 | 2 } {
  if (error instanceof StartupError) return { line: oneLine(error.message), exitCode: error.exitCode };
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = oneLine(error.message || error.name) + (code && !error.message.includes(code) ? ` (${code})` : '');
    return { line: `${text}; set LOG_LEVEL=debug to see where it came from`, exitCode: 1 };
  }
  const text = error === undefined || error === null || error === '' ? 'an unknown error (nothing was thrown with it)' : oneLine(safeString(error));
  return { line: `${text}; set LOG_LEVEL=debug for more detail`, exitCode: 1 };
}

/**
 * Prints a start-up failure as `failed to start: <one line>` on stderr and exits with its code. With
 * LOG_LEVEL=debug the stack follows on the next lines, for whoever debugs the start-up itself.
 */
export function exitOnStartupFailure(error: unknown): never {
  let described: { line: string; exitCode: 1 | 2 };
  try {
    described = describeStartupFailure(error);
  } catch {
    described = { line: 'an error that cannot be described', exitCode: 1 };
  }
  process.stderr.write(`failed to start: ${described.line}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(described.exitCode);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ').trim();
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
