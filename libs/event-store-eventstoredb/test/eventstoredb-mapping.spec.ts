import { createHash } from 'node:crypto';
import { NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import { DuplicateEventIdError, RecordedEvent, WrongExpectedRevisionError, hashEvent } from '@ipstd/event-store';
import {
  EsdbRecordedEventLike,
  PreparedEvent,
  decodeEnvelope,
  encodeEnvelope,
  findIdenticalAppend,
  findKeyedAppend,
  fromEsdbEvent,
  idempotencyStreamName,
  isIdempotencyStream,
  isLogEvent,
  isStreamNotFound,
  isWrongExpectedVersion,
  parseMarker,
  prepareEvents,
  toEsdbExpectedRevision,
  toEventData,
  toWrongExpectedRevision,
} from '../src/eventstoredb-event-store';
import { newEvent } from '@ipstd/event-store/contract';

const RECORDED_AT = '2024-10-09T08:00:00.000Z';

/** What the ESDB client hands back for an event the adapter wrote: metadata went through JSON. */
function asStored(event: PreparedEvent, commit: bigint): EsdbRecordedEventLike {
  const data = toEventData(event);
  return {
    streamId: event.streamId,
    id: data.id,
    type: data.type,
    revision: event.revision,
    data: JSON.parse(JSON.stringify(data.data)),
    metadata: JSON.parse(JSON.stringify(data.metadata)),
    position: { commit, prepare: commit },
  };
}

function recorded(streamId: string, count: number, key: string | null = null): RecordedEvent[] {
  return prepareEvents(streamId, Array.from({ length: count }, () => newEvent()), key, null, null, RECORDED_AT).map((e, i) =>
    fromEsdbEvent(asStored(e, BigInt(100 + i))),
  );
}

describe('EventStoreDB adapter mapping', () => {
  describe('expected revisions', () => {
    it('appends at the exact revision that was read, or expects no stream', () => {
      expect(toEsdbExpectedRevision(null)).toBe(NO_STREAM);
      expect(toEsdbExpectedRevision(0n)).toBe(0n);
      expect(toEsdbExpectedRevision(41n)).toBe(41n);
    });

    it("maps ESDB's WrongExpectedVersionError to the port's error with the actual revision", () => {
      const existing = new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 0n, current: 3n });
      expect(isWrongExpectedVersion(existing)).toBe(true);
      const mapped = toWrongExpectedRevision('s-1', 0n, existing);
      expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
      expect(mapped).toMatchObject({ streamId: 's-1', expected: 0n, actual: 3n });

      const missing = new WrongExpectedVersionError(undefined, { streamName: 's-2', expected: 'stream_exists', current: 'no_stream' });
      expect(toWrongExpectedRevision('s-2', 'stream-exists', missing)).toMatchObject({ expected: 'stream-exists', actual: null });
      expect(toWrongExpectedRevision('s-3', 'any', { actualVersion: -1n }).actual).toBeNull();
    });

    it('recognises only the ESDB errors it handles', () => {
      expect(isWrongExpectedVersion(new Error('boom'))).toBe(false);
      expect(isWrongExpectedVersion(null)).toBe(false);
      expect(isStreamNotFound({ type: 'stream-not-found' })).toBe(true);
      expect(isStreamNotFound(new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n }))).toBe(false);
    });
  });

  describe('envelope', () => {
    it('chains hashes from the last stored hash exactly as the PostgreSQL adapter does', () => {
      const events = [newEvent('A', { i: 0 }), newEvent('B', { i: 1 })];
      const prepared = prepareEvents('s-1', events, null, 4n, 'f'.repeat(64), RECORDED_AT);
      expect(prepared.map((e) => e.revision)).toEqual([5n, 6n]);
      expect(prepared[0].previousHash).toBe('f'.repeat(64));
      expect(prepared[1].previousHash).toBe(prepared[0].hash);
      for (const e of prepared) expect(hashEvent(e)).toBe(e.hash);
      expect(prepareEvents('s-2', events, null, null, null, RECORDED_AT)[0]).toMatchObject({ revision: 0n, previousHash: null });
    });

    it('stamps the idempotency key of the append into the metadata', () => {
      const [withKey] = prepareEvents('s-1', [newEvent()], 'key-1', null, null, RECORDED_AT);
      expect(withKey.metadata.idempotencyKey).toBe('key-1');
      const own = { ...newEvent(), metadata: { ...newEvent().metadata, idempotencyKey: 'own' } };
      expect(prepareEvents('s-1', [own], null, null, null, RECORDED_AT)[0].metadata.idempotencyKey).toBe('own');
    });

    it('stores the envelope fields in ESDB metadata and reads the same recorded event back', () => {
      const [event] = prepareEvents('s-1', [newEvent('ProgrammeOpened', { title: '苏州', budgetFen: 2_000_000_000 })], null, null, null, RECORDED_AT);
      const data = toEventData(event);
      expect(data).toMatchObject({ id: event.eventId, type: 'ProgrammeOpened', contentType: 'application/json' });
      expect(data.metadata).toEqual({
        v: 1,
        metadata: event.metadata,
        schemaVersion: 1,
        recordedAt: RECORDED_AT,
        previousHash: null,
        hash: event.hash,
        revision: '0',
        $correlationId: 'corr-1',
      });
      const back = fromEsdbEvent(asStored(event, 777n));
      expect(back).toEqual({ ...event, globalPosition: 777n });
      expect(hashEvent(back)).toBe(back.hash);
    });

    it('passes the causation id on to ESDB when there is one', () => {
      const caused = { ...newEvent(), metadata: { ...newEvent().metadata, causationId: 'cause-1' } };
      const [event] = prepareEvents('s-1', [caused], null, null, null, RECORDED_AT);
      expect(encodeEnvelope(event).$causationId).toBe('cause-1');
      expect(decodeEnvelope(JSON.parse(JSON.stringify(encodeEnvelope(event)))).metadata.causationId).toBe('cause-1');
    });

    it('refuses events it did not write, envelopes moved to another revision and reads without a position', () => {
      const [event] = prepareEvents('s-1', [newEvent()], null, null, null, RECORDED_AT);
      const stored = asStored(event, 1n);
      expect(() => fromEsdbEvent({ ...stored, metadata: undefined })).toThrow(/not an envelope/);
      expect(() => fromEsdbEvent({ ...stored, metadata: { ...(stored.metadata as object), v: 2 } })).toThrow(/not an envelope/);
      expect(() => fromEsdbEvent({ ...stored, metadata: { ...(stored.metadata as object), revision: 'x' } })).toThrow(/not an envelope/);
      expect(() => fromEsdbEvent({ ...stored, revision: 3n })).toThrow(/hashed for revision 0/);
      expect(() => fromEsdbEvent({ ...stored, position: undefined })).toThrow(/no log position/);
    });
  });

  describe('log visibility and idempotency markers', () => {
    it('names marker streams by the SHA-256 of the key, outside the reserved $ namespace', () => {
      const name = idempotencyStreamName('key-1');
      expect(name).toBe(`idempotency-${createHash('sha256').update('key-1').digest('hex')}`);
      expect(isIdempotencyStream(name)).toBe(true);
      expect(isIdempotencyStream('idempotency-abc')).toBe(false);
      expect(isIdempotencyStream('application-1')).toBe(false);
    });

    it('keeps only our events in the log', () => {
      expect(isLogEvent('application-1', 'ApplicationSubmitted')).toBe(true);
      expect(isLogEvent('$settings', 'update')).toBe(false);
      expect(isLogEvent('$$application-1', '$metadata')).toBe(false);
      expect(isLogEvent('application-1', '$>')).toBe(false);
      expect(isLogEvent(idempotencyStreamName('k'), 'IdempotencyKeyRecorded')).toBe(false);
    });

    it('parses markers and refuses malformed ones', () => {
      expect(parseMarker({ idempotencyKey: 'k', streamId: 's-1', eventIds: ['a', 'b'] })).toEqual({ streamId: 's-1', eventIds: ['a', 'b'] });
      expect(() => parseMarker({ streamId: 's-1' })).toThrow(TypeError);
      expect(() => parseMarker({ streamId: 's-1', eventIds: [1] })).toThrow(TypeError);
      expect(() => parseMarker('s-1')).toThrow(TypeError);
    });
  });

  describe('re-append detection', () => {
    it('answers the same ids in the same order with the stored events', () => {
      const stream = recorded('s-1', 4);
      const again = stream.slice(1, 3);
      expect(findIdenticalAppend(stream, again.map((e) => e.eventId))).toEqual(again);
      expect(findIdenticalAppend(stream, [newEvent().eventId])).toBeNull();
      expect(findIdenticalAppend(stream, [])).toBeNull();
    });

    it('refuses a partial overlap or another order', () => {
      const stream = recorded('s-1', 3);
      expect(() => findIdenticalAppend(stream, [stream[0].eventId, newEvent().eventId])).toThrow(DuplicateEventIdError);
      expect(() => findIdenticalAppend(stream, [stream[1].eventId, stream[0].eventId])).toThrow(DuplicateEventIdError);
      expect(() => findIdenticalAppend(stream, [stream[0].eventId, stream[2].eventId])).toThrow(DuplicateEventIdError);
    });

    it('finds the events of an earlier append with the key, by marker or by the key they carry', () => {
      const stream = [...recorded('s-1', 1), ...recorded('s-1', 2, 'key-1')].map((e, i) => ({ ...e, revision: BigInt(i) }));
      const keyed = stream.slice(1);
      expect(findKeyedAppend(stream, 'key-1', { streamId: 's-1', eventIds: keyed.map((e) => e.eventId) })).toEqual(keyed);
      expect(findKeyedAppend(stream, 'key-1', null)).toEqual(keyed);
      expect(findKeyedAppend(stream, 'key-2', null)).toBeNull();
      expect(findKeyedAppend(stream, 'key-2', { streamId: 's-1', eventIds: [newEvent().eventId] })).toBeNull();
    });
  });
});
