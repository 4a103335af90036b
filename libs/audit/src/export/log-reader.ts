import { EventStore, RecordedEvent } from '@ipstd/event-store';
import { CHECKPOINT_STREAM } from '../verify/checkpoint';

/** The log up to `head` (inclusive), in position order, one batch at a time. */
export async function* readLog(store: EventStore, head: bigint, batchSize = 1000): AsyncGenerator<RecordedEvent[]> {
  let after = 0n;
  while (after < head) {
    const batch = await store.readAll({ after, maxCount: batchSize });
    if (batch.length === 0) return;
    const upToHead = batch.filter((e) => e.globalPosition <= head);
    if (upToHead.length) yield upToHead;
    if (upToHead.length < batch.length) return;
    after = batch[batch.length - 1].globalPosition;
  }
}

/** Every event of the log up to `head`, one at a time. */
export async function* eventsOf(store: EventStore, head: bigint, batchSize = 1000): AsyncGenerator<RecordedEvent> {
  for await (const batch of readLog(store, head, batchSize)) yield* batch;
}

/** The checkpoint events stored at or before `head`, in sealing order, one batch at a time. */
export async function* readCheckpoints(store: EventStore, head: bigint, batchSize = 1000): AsyncGenerator<RecordedEvent[]> {
  let fromRevision = 0n;
  for (;;) {
    const batch = await store.readStream(CHECKPOINT_STREAM, { fromRevision, maxCount: batchSize });
    const upToHead = batch.filter((e) => e.globalPosition <= head);
    if (upToHead.length) yield upToHead;
    if (batch.length < batchSize || upToHead.length < batch.length) return;
    fromRevision = batch[batch.length - 1].revision + 1n;
  }
}
