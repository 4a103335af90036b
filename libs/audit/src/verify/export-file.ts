import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RecordedEvent } from '@ipstd/event-store';
import { ExportFormatError, ExportVerification, verifyExport } from './export-format';

async function* linesOf(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, { encoding: 'utf8' });
  let failure: Error | null = null;
  input.on('error', (error) => (failure = error));
  for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
  if (failure) throw failure;
}

/** Verifies an NDJSON export file, reading it line by line (twice); no database needed. */
export async function verifyExportFile(path: string, options: { readonly onEvent?: (event: RecordedEvent) => void } = {}): Promise<ExportVerification> {
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
    return await verifyExport(() => linesOf(path), options);
  } catch (error) {
    if (error instanceof ExportFormatError) throw error;
    throw new ExportFormatError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
