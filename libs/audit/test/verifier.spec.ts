import { ManualClock, UuidV7Generator } from '@ipstd/kernel';
import { RecordedEvent, hashEvent } from '@ipstd/event-store';
import { CHECKPOINT_STREAM, LogSealer, VerificationReport, checkpointDataOf, verifyExport, verifyLog, envelopeJson, exportLine, ExportFormatError, EXPORT_FORMAT, GENESIS_DIGEST } from '@ipstd/audit';
import { MemoryEventStore, newEvent } from './memory-store';

const checkpointsOf = (events: readonly RecordedEvent[]) => events.filter((e) => e.streamId === CHECKPOINT_STREAM);
const verifyAll = (events: readonly RecordedEvent[]): Promise<VerificationReport> =>
  verifyLog([...events].sort((a, b) => Number(a.globalPosition - b.globalPosition)), checkpointsOf(events), { completeLog: true });
const at = (events: readonly RecordedEvent[], streamId: string, revision: bigint) => events.find((e) => e.streamId === streamId && e.revision === revision)!;
const replace = (events: readonly RecordedEvent[], target: RecordedEvent, next: RecordedEvent | null) =>
  events.flatMap((e) => (e === target ? (next ? [next] : []) : [e]));
const rehash = (e: RecordedEvent): RecordedEvent => ({ ...e, hash: hashEvent(e) });

/** Three application streams written in turns, sealed twice, then two unsealed events. */
async function history() {
  const store = new MemoryEventStore();
  const clock = new ManualClock('2024-11-01T00:00:00Z');
  const sealer = new LogSealer(store, clock, new UuidV7Generator(clock), { batchSize: 4 });
  let id = 0;
  const write = async (stream: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      await store.appendToStream(stream, [newEvent(++id, 'Step', { stream, i, amountFen: 100 * id })], { expectedRevision: last ? last.revision : 'no-stream' });
    }
  };
  for (const s of ['a', 'b', 'c']) await write(`application-${s}`, 2);
  await sealer.sealNow();
  for (const s of ['a', 'b', 'c']) await write(`application-${s}`, 2);
  await sealer.sealNow();
  await write('application-a', 1);
  await write('application-d', 1);
  return { store, sealer, events: store.events };
}

describe('the log verifier', () => {
  describe('given an untouched log', () => {
    it('holds: every hash, chain and checkpoint digest, with the unsealed tail counted', async () => {
      const { events } = await history();
      const report = await verifyAll(events);
      expect(report).toMatchObject({ ok: true, scope: 'full', eventsChecked: 16, streamsChecked: 5, checkpointsChecked: 2, checkpointsSeen: 2, unsealedEvents: 3, firstBrokenLink: null });
      // The second checkpoint's own event is sealed by the next one.
      expect(report.sealedUpTo).toBe(13);
    });
  });

  describe('given a tampered log', () => {
    it('names an altered event by its hash', async () => {
      const { events } = await history();
      const target = at(events, 'application-b', 1n);
      const report = await verifyAll(replace(events, target, { ...target, data: { ...(target.data as object), amountFen: 1 } }));
      expect(report.ok).toBe(false);
      expect(report.problems).toHaveLength(1);
      expect(report.firstBrokenLink).toMatchObject({ kind: 'hash-mismatch', streamId: 'application-b', revision: 1, globalPosition: Number(target.globalPosition), eventId: target.eventId });
    });

    it('finds an altered event whose hash was recomputed by the broken link from its successor and the checkpoint', async () => {
      const { events } = await history();
      const target = at(events, 'application-b', 2n);
      const successor = at(events, 'application-b', 3n);
      const report = await verifyAll(replace(events, target, rehash({ ...target, data: { forged: true } })));
      expect(report.firstBrokenLink).toMatchObject({ kind: 'chain-broken', streamId: 'application-b', revision: 3, globalPosition: Number(successor.globalPosition) });
      expect(report.problems.map((p) => p.kind)).toContain('checkpoint-mismatch');
    });

    it('names the stream and revision of a removed event', async () => {
      const { events } = await history();
      const target = at(events, 'application-a', 2n);
      const successor = at(events, 'application-a', 3n);
      const report = await verifyAll(replace(events, target, null));
      expect(report.firstBrokenLink).toMatchObject({ kind: 'revision-gap', streamId: 'application-a', revision: 2, globalPosition: Number(successor.globalPosition) });
      expect(report.problems.find((p) => p.kind === 'checkpoint-mismatch')).toMatchObject({ streamId: CHECKPOINT_STREAM, revision: 1 });
    });

    it('finds the removal of the last event of a stream through the checkpoint that sealed it', async () => {
      const { events } = await history();
      const target = at(events, 'application-d', 0n);
      const report = await verifyAll(replace(events, target, null));
      expect(report.ok).toBe(true); // unsealed: nothing can tell it was there
      const sealedLast = at(events, 'application-c', 3n);
      const broken = await verifyAll(replace(events, sealedLast, null));
      expect(broken.firstBrokenLink).toMatchObject({ kind: 'checkpoint-mismatch', streamId: CHECKPOINT_STREAM, revision: 1 });
      expect(broken.firstBrokenLink!.detail).toContain('sealed 7 events in (6, 13]; the log now holds 6');
    });

    it('tells two events of a stream that swapped places', async () => {
      const { events } = await history();
      const first = at(events, 'application-c', 2n);
      const second = at(events, 'application-c', 3n);
      const swapped = replace(replace(events, first, { ...first, globalPosition: second.globalPosition }), second, { ...second, globalPosition: first.globalPosition });
      const report = await verifyAll(swapped);
      expect(report.firstBrokenLink).toMatchObject({ kind: 'reordered', streamId: 'application-c', revision: 3, globalPosition: Number(first.globalPosition), eventId: second.eventId });
      expect(report.problems.map((p) => p.kind)).toEqual(['reordered', 'checkpoint-mismatch']);
    });

    it('finds events of two streams that swapped places through the checkpoint digest', async () => {
      const { events } = await history();
      const a = at(events, 'application-a', 3n);
      const b = at(events, 'application-b', 2n);
      const report = await verifyAll(replace(replace(events, a, { ...a, globalPosition: b.globalPosition }), b, { ...b, globalPosition: a.globalPosition }));
      expect(report.problems).toHaveLength(1);
      expect(report.firstBrokenLink).toMatchObject({ kind: 'checkpoint-mismatch', revision: 1 });
    });

    it('finds an inserted stream inside a sealed range', async () => {
      const { events } = await history();
      const forged = rehash({ ...events[0], streamId: 'application-z', eventId: '00000000-0000-7000-8000-999999999999', globalPosition: 5n, previousHash: null });
      const moved = events.map((e) => (e.globalPosition >= 5n ? { ...e, globalPosition: e.globalPosition + 1n } : e));
      const report = await verifyAll([...moved, forged]);
      expect(report.problems.map((p) => p.kind)).toContain('checkpoint-mismatch');
    });

    it('finds a removed checkpoint', async () => {
      const { events } = await history();
      const report = await verifyAll(replace(events, at(events, CHECKPOINT_STREAM, 0n), null));
      expect(report.problems.map((p) => p.kind)).toEqual(['revision-gap', 'checkpoint-chain-broken', 'checkpoint-mismatch']);
      expect(report.firstBrokenLink).toMatchObject({ streamId: CHECKPOINT_STREAM, revision: 0, globalPosition: 14 });
    });
  });

  describe('given part of the log', () => {
    it('anchors streams at their first exported event, or requires revision 0 for complete streams', async () => {
      const { events } = await history();
      const part = events.filter((e) => e.globalPosition > 6n && e.streamId !== CHECKPOINT_STREAM);
      expect(await verifyLog(part, checkpointsOf(events), { completeLog: false })).toMatchObject({ ok: true, scope: 'filtered', checkpointsChecked: 0, checkpointsSeen: 2, unsealedEvents: 2 });
      const strict = await verifyLog(part, [], { completeLog: false, completeStreams: true });
      expect(strict.firstBrokenLink).toMatchObject({ kind: 'revision-gap', streamId: 'application-a', revision: 0 });
    });
  });
});

describe('the log sealer', () => {
  it('seals nothing on an empty log or when only checkpoints are new', async () => {
    const store = new MemoryEventStore();
    const clock = new ManualClock('2024-11-01T00:00:00Z');
    const sealer = new LogSealer(store, clock, new UuidV7Generator(clock));
    expect(await sealer.sealNow()).toEqual([]);
    await store.appendToStream('application-a', [newEvent(1, 'Step', {})], { expectedRevision: 'no-stream' });
    const [first] = await sealer.sealNow();
    expect(first.data).toMatchObject({ sequence: 1, fromPosition: 0, toPosition: 1, eventCount: 1, previousDigest: GENESIS_DIGEST, sealedAt: '2024-11-01T00:00:00.000Z' });
    expect(await sealer.sealNow()).toEqual([]);
    await store.appendToStream('application-a', [newEvent(2, 'Step', {})], { expectedRevision: 0n });
    const [second] = await sealer.sealNow();
    // The first checkpoint (position 2) is sealed by the second, with the event after it.
    expect(second.data).toMatchObject({ sequence: 2, fromPosition: 1, toPosition: 3, eventCount: 2, previousDigest: first.data.digest });
  });

  it('seals a range once when two processes race', async () => {
    const store = new MemoryEventStore();
    const clock = new ManualClock('2024-11-01T00:00:00Z');
    const one = new LogSealer(store, clock, new UuidV7Generator(clock));
    const two = new LogSealer(store, clock, new UuidV7Generator(clock));
    await store.appendToStream('application-a', [newEvent(1, 'Step', {}), newEvent(2, 'Step', {})], { expectedRevision: 'no-stream' });
    const [a, b] = await Promise.all([one.sealNow(), two.sealNow()]);
    expect(a.length + b.length).toBe(1);
    const checkpoints = checkpointsOf(store.events);
    expect(checkpoints.map((c) => checkpointDataOf(c)?.toPosition)).toEqual([2]);
    expect((await verifyAll(store.events)).ok).toBe(true);
  });
});

describe('an export file', () => {
  async function lines() {
    const { events } = await history();
    return [
      exportLine({ kind: 'header', format: EXPORT_FORMAT, version: 1, exportedAt: '2024-11-02T00:00:00.000Z', scope: 'full', completeStreams: true, filter: { from: null, to: null, programmeId: null, city: null } }),
      ...events.map((e) => exportLine({ kind: 'event', event: envelopeJson(e) })),
      ...checkpointsOf(events).map((e) => exportLine({ kind: 'checkpoint', event: envelopeJson(e) })),
      exportLine({ kind: 'end', events: events.length, checkpoints: 2 }),
    ].map((l) => l.trimEnd());
  }

  it('verifies offline, and names a tampered line', async () => {
    const file = await lines();
    expect((await verifyExport(() => file)).report).toMatchObject({ ok: true, eventsChecked: 16, checkpointsChecked: 2 });
    const tampered = [...file];
    tampered[3] = tampered[3].replace(/"amountFen":\d+/, '"amountFen":1');
    expect((await verifyExport(() => tampered)).report.firstBrokenLink).toMatchObject({ kind: 'hash-mismatch', globalPosition: 3 });
  });

  it('tells a truncated file from a file that is not an export', async () => {
    const file = await lines();
    expect((await verifyExport(() => file.slice(0, -1))).report.firstBrokenLink).toMatchObject({ kind: 'export-incomplete' });
    await expect(verifyExport(() => ['{"kind":"event"}'])).rejects.toThrow(ExportFormatError);
    await expect(verifyExport(() => [file[0], 'not json'])).rejects.toThrow('line 2: not JSON');
    await expect(verifyExport(() => [])).rejects.toThrow(ExportFormatError);
  });
});
