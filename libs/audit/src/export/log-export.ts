import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { cityOf } from '@ipstd/platform';
import { checkpointDataOf, isCheckpointEvent } from '../verify/checkpoint';
import { EXPORT_FORMAT, EXPORT_VERSION, ExportFilter, ExportHeader, envelopeJson, exportLine } from '../verify/export-format';
import { readCheckpoints, readLog } from './log-reader';

/** First events of streams that belong to a programme through `data.programmeId`. */
const STREAM_OPENERS = new Set(['ApplicationSubmitted', 'GrantAwarded', 'DeadlineReminderSent']);

/**
 * The field that ties a stream to a programme: its programme stream, applications, grants and
 * reminders. The export reads every stored type and depends on no context's registry, so it reads
 * this one field structurally (an allowed exception of test/architecture/typed-reader.spec.ts); the
 * city is the typed reader's (`cityOf`).
 */
interface ProgrammeLink {
  readonly programmeId?: string;
}

/**
 * Decides, in one pass over the log in position order, which events an export holds. Streams are
 * tied to a programme by their first event: `ProgrammeOpened` (the programme stream),
 * `ApplicationSubmitted`, `GrantAwarded` and `DeadlineReminderSent` (a reminder's stream) (data.programmeId). A stream's first event always comes
 * before its others, so the set of selected streams is complete when each event is looked at.
 */
class Selection {
  private readonly programmes = new Set<string>();
  private readonly streams = new Set<string>();
  private readonly from: number | null;
  private readonly to: number | null;

  constructor(private readonly filter: ExportFilter) {
    this.from = filter.from ? Date.parse(filter.from) : null;
    this.to = filter.to ? Date.parse(filter.to) : null;
  }

  get full(): boolean {
    const f = this.filter;
    return f.from === null && f.to === null && f.programmeId === null && f.city === null;
  }

  includes(event: RecordedEvent): boolean {
    if (this.full) return true;
    if (isCheckpointEvent(event)) return false;
    if (this.filter.programmeId !== null || this.filter.city !== null) {
      this.learn(event);
      if (!this.streams.has(event.streamId)) return false;
    }
    const at = Date.parse(event.recordedAt);
    return (this.from === null || at >= this.from) && (this.to === null || at < this.to);
  }

  private learn(event: RecordedEvent): void {
    const data = event.data as ProgrammeLink | null;
    if (!data?.programmeId) return;
    if (event.type === 'ProgrammeOpened') {
      const wanted = this.filter.programmeId !== null ? data.programmeId === this.filter.programmeId : cityOf(event) === this.filter.city;
      if (wanted) {
        this.programmes.add(data.programmeId);
        this.streams.add(event.streamId);
      }
    } else if (STREAM_OPENERS.has(event.type) && event.revision === 0n && this.programmes.has(data.programmeId)) {
      this.streams.add(event.streamId);
    }
  }
}

export interface ExportOptions {
  readonly filter: ExportFilter;
  readonly exportedAt: string;
  readonly batchSize?: number;
}

/**
 * The lines of an NDJSON export, one chunk per batch read: the header, the selected events in log
 * order, the checkpoints that cover them, the end line. Reads the log up to its head when the
 * export starts, in batches, so memory holds one batch and the ids of the selected streams.
 */
export async function* exportLog(store: EventStore, options: ExportOptions): AsyncGenerator<string> {
  const head = await store.headPosition();
  const selection = new Selection(options.filter);
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: options.exportedAt,
    scope: selection.full ? 'full' : 'filtered',
    completeStreams: options.filter.from === null && options.filter.to === null,
    filter: options.filter,
  };
  yield exportLine(header);
  let events = 0;
  let first: bigint | null = null;
  let last: bigint | null = null;
  for await (const batch of readLog(store, head, options.batchSize)) {
    let chunk = '';
    for (const event of batch) {
      if (!selection.includes(event)) continue;
      chunk += exportLine({ kind: 'event', event: envelopeJson(event) });
      events += 1;
      first ??= event.globalPosition;
      last = event.globalPosition;
    }
    if (chunk) yield chunk;
  }
  let checkpoints = 0;
  for await (const batch of readCheckpoints(store, head, options.batchSize)) {
    let chunk = '';
    for (const checkpoint of batch) {
      const data = checkpointDataOf(checkpoint);
      const covers = selection.full || (data !== null && first !== null && last !== null && BigInt(data.toPosition) >= first && BigInt(data.fromPosition) < last);
      if (!covers) continue;
      chunk += exportLine({ kind: 'checkpoint', event: envelopeJson(checkpoint) });
      checkpoints += 1;
    }
    if (chunk) yield chunk;
  }
  yield exportLine({ kind: 'end', events, checkpoints });
}

