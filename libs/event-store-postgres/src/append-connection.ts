import { Client, ClientBase, Pool } from 'pg';

/** The connection one append batch runs on. */
export interface AppendConnection {
  readonly client: ClientBase;
  /**
   * Sends the queries of all steps back to back and waits for every one; throws the first failure
   * (in step order). On the dedicated connection they are pipelined: the server runs them in
   * order, but the batch pays one network round trip instead of one per query. Each step must
   * issue its query synchronously (before its first await) so that the order holds.
   */
  run<T extends readonly unknown[]>(steps: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T>;
  /** Gives the connection back; pass the error when it can no longer be trusted. */
  release(broken?: Error): void;
}

/**
 * Appends run one batch at a time, so they get one dedicated connection in pipeline mode, opened
 * with the pool's settings (one connection beyond the pool's maximum). When it cannot be opened,
 * and after close(), a batch borrows a pool client and sends its queries one after another.
 */
export class AppendConnections {
  private dedicated: Client | null = null;
  private pooledOnly = false;

  constructor(private readonly pool: Pool) {}

  async acquire(): Promise<AppendConnection> {
    if (!this.pooledOnly) {
      const client = await this.openDedicated().catch(() => null);
      if (client) {
        refSocket(client, true);
        return {
          client,
          run: (steps) => pipelined(steps),
          release: (broken) => {
            if (broken) this.discard(client);
            else refSocket(client, false);
          },
        };
      }
    }
    const client = await this.pool.connect();
    return { client, run: (steps) => sequential(steps), release: (broken) => client.release(broken) };
  }

  /** From now on batches borrow pool clients; the caller closes the dedicated connection once no batch runs. */
  stopDedicated(): void {
    this.pooledOnly = true;
  }

  async close(): Promise<void> {
    this.pooledOnly = true;
    const client = this.dedicated;
    this.dedicated = null;
    if (!client) return;
    // An idle connection's socket is unreferenced; ending it must keep the process alive until it has
    // ended, or a caller awaiting close() is left behind when nothing else is running.
    refSocket(client, true);
    await client.end().catch(() => undefined);
  }

  private async openDedicated(): Promise<Client> {
    if (this.dedicated) return this.dedicated;
    const client = new Client({ ...this.pool.options, pipeline: true });
    client.on('error', () => this.discard(client));
    await client.connect();
    this.dedicated = client;
    return client;
  }

  private discard(client: Client): void {
    if (this.dedicated === client) this.dedicated = null;
    void client.end().catch(() => undefined);
  }
}

/** An idle append connection does not keep the process alive (as a pool with allowExitOnIdle). */
function refSocket(client: Client, ref: boolean): void {
  const socket = client as unknown as { ref?: () => void; unref?: () => void };
  if (ref) socket.ref?.();
  else socket.unref?.();
}

async function pipelined<T extends readonly unknown[]>(steps: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const started = (steps as ReadonlyArray<() => Promise<unknown>>).map((step) => {
    try {
      return step();
    } catch (error) {
      return Promise.reject(error);
    }
  });
  const settled = await Promise.allSettled(started);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function sequential<T extends readonly unknown[]>(steps: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const results: unknown[] = [];
  for (const step of steps as ReadonlyArray<() => Promise<unknown>>) results.push(await step());
  return results as unknown as T;
}
