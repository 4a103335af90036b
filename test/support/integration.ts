import { randomUUID } from 'node:crypto';
import { EventStore, NewEvent } from '@ipstd/event-store';
import { isPublished } from '@ipstd/messaging';
import { UuidV7Generator, systemClock } from '@ipstd/kernel';

const ids = new UuidV7Generator(systemClock);

/**
 * Appends `perStream` published events to each of `streams` new grant streams, `batch` events per
 * append; returns the event ids in append order. Like a real grant stream, each starts with
 * `GrantAwarded` (which names the enterprise, hence the city); the rest are `AgreementSigned`, the
 * smallest grant event. The events are well-formed for their integration contracts.
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
        const events: NewEvent[] = Array.from({ length: n }, (_, k) => ({
          eventId: ids.next(),
          ...(done === 0 && k === 0 ? { type: 'GrantAwarded', data: awarded(grantId, at) } : { type: 'AgreementSigned', data: { grantId, signedAt: at } }),
          schemaVersion: 1,
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

function awarded(grantId: string, at: string) {
  return {
    grantId,
    applicationId: randomUUID(),
    programmeId: randomUUID(),
    enterprise: { creditCode: '91320505MA0000001X', name: '苏州测试科技有限公司', district: '320505' },
    awardFen: 20_000_000,
    tranches: [{ trancheNo: 1, percent: 100, trigger: 'award', amountFen: 20_000_000 }],
    implementation: { months: 24, startsAt: at, endsAt: at },
    acceptanceLeadMonths: 3,
    targets: [{ id: 'T1', citation: '004_39c6efd61937e065.txt 五', text: { zh: '主导制定标准', en: 'Lead a standard' } }],
    awardedAt: at,
  };
}
