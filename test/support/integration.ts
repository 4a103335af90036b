import { randomUUID } from 'node:crypto';
import { EventStore, NewEvent } from '@ipstd/event-store';
import { isPublished } from '@ipstd/messaging';
import { UuidV7Generator, systemClock } from '@ipstd/kernel';

const ids = new UuidV7Generator(systemClock);

/**
 * Appends `perStream` published events (`AgreementSigned`, the smallest grant event) to each of
 * `streams` new grant streams, `batch` events per append; returns the event ids in append order.
 * The events are well-formed for their integration contract; the grants themselves do not exist.
 */
export async function appendGrantEvents(store: EventStore, options: { streams: number; perStream: number; batch?: number; at?: Date }): Promise<string[]> {
  const at = (options.at ?? new Date('2024-12-01T02:00:00Z')).toISOString();
  const grants = Array.from({ length: options.streams }, () => randomUUID());
  const revisions = new Map<string, bigint>();
  const appended: string[] = [];
  const batch = options.batch ?? 20;
  for (let done = 0; done < options.perStream; done += batch) {
    const n = Math.min(batch, options.perStream - done);
    await Promise.all(
      grants.map(async (grantId) => {
        const events: NewEvent[] = Array.from({ length: n }, () => ({
          eventId: ids.next(),
          type: 'AgreementSigned',
          schemaVersion: 1,
          data: { grantId, signedAt: at },
          metadata: { actor: { userId: 'bench', role: 'programme-admin', organisation: '320500' }, correlationId: randomUUID(), causationId: null, effectiveAt: at, idempotencyKey: null },
        }));
        const result = await store.appendToStream(`grant-${grantId}`, events, { expectedRevision: revisions.get(grantId) ?? 'no-stream' });
        revisions.set(grantId, result.nextExpectedRevision);
        appended.push(...result.events.map((e) => e.eventId));
      }),
    );
  }
  return appended;
}

/** The ids of every event in the log that has an integration contract, in log order. */
export async function publishedEventIds(store: EventStore): Promise<string[]> {
  const ids: string[] = [];
  for (let after = 0n; ; ) {
    const chunk = await store.readAll({ after, maxCount: 5000 });
    if (chunk.length === 0) return ids;
    for (const e of chunk) if (isPublished(e)) ids.push(e.eventId);
    after = chunk[chunk.length - 1].globalPosition;
  }
}
