/** Polls until a probe's value satisfies a condition, for effects that arrive asynchronously. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`not reached in time: ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
