import { RecordedEvent } from '@ipstd/event-store';

/**
 * Stored events for the collector's specs, as the subscription hands them over: each call gives the
 * next global position of one log (and an event id made from it); the hash and actor are placeholders
 * the collector does not read.
 */
export function recordedEvents(): (type: string, schemaVersion: number, data: unknown, streamId: string) => RecordedEvent {
  let position = 0n;
  return (type, schemaVersion, data, streamId) => {
    position += 1n;
    return {
      eventId: `0190a4b2-0000-7000-8000-${position.toString().padStart(12, '0')}`, type, schemaVersion, data, streamId, revision: 0n, globalPosition: position,
      recordedAt: '2024-09-20T02:00:00.000Z', previousHash: null, hash: 'x',
      metadata: { actor: { type: 'system', id: 'test' }, correlationId: 'c', causationId: null, effectiveAt: '2024-09-20T02:00:00.000Z', idempotencyKey: null },
    } as unknown as RecordedEvent;
  };
}
