import { UUID_PATTERN } from '@ipstd/kernel';
import { ExpectedRevision, NewEvent } from './port';
import { InvalidEventError, WrongExpectedRevisionError } from './errors';

const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$/;

/** Checks shared by every adapter before anything is sent to storage. */
export function validateAppend(streamId: string, events: readonly NewEvent[]): void {
  if (!STREAM_ID.test(streamId)) throw new InvalidEventError(`invalid stream id: ${JSON.stringify(streamId).slice(0, 80)}`);
  const seen = new Set<string>();
  for (const event of events) {
    if (!UUID_PATTERN.test(event.eventId)) throw new InvalidEventError(`event id must be a lowercase UUID: ${event.eventId}`);
    if (seen.has(event.eventId)) throw new InvalidEventError(`event id ${event.eventId} appears twice in one append`);
    seen.add(event.eventId);
    if (!/^[A-Za-z][A-Za-z0-9.]{0,99}$/.test(event.type)) throw new InvalidEventError(`invalid event type: ${event.type}`);
    if (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 1) throw new InvalidEventError('schema version must be a positive integer');
    if (Number.isNaN(Date.parse(event.metadata.effectiveAt))) throw new InvalidEventError('effectiveAt must be an ISO-8601 instant');
    if (JSON.stringify(event.data)?.includes('\\u0000') || JSON.stringify(event.metadata).includes('\\u0000')) {
      throw new InvalidEventError('event data must not contain NUL characters');
    }
  }
}

export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, current: bigint | null): void {
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && current === null) ||
    (expected === 'stream-exists' && current !== null) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current);
}
