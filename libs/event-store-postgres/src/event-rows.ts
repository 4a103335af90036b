import { RecordedEvent } from '@ipstd/event-store';

/** A row of es_events as pg returns it (bigint as text, jsonb parsed, timestamptz as Date). */
export interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_revision: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
  previous_hash: string | null;
  hash: string;
}

export const EVENT_COLUMNS =
  'global_position, event_id, stream_id, stream_revision, event_type, schema_version, data, metadata, recorded_at, previous_hash, hash';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: BigInt(row.stream_revision),
    globalPosition: BigInt(row.global_position),
    recordedAt: row.recorded_at.toISOString(),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
