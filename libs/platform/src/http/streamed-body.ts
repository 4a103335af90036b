import { SetMetadata } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Request } from 'express';
import { hasBody } from './body';

/** Metadata key of @StreamedBody: the largest body, in bytes, the route reads. */
export const STREAMED_BODY_MAX_BYTES = 'ipstd:streamedBodyMaxBytes';

/**
 * Marks a route that reads its request body as a stream (not JSON) through streamedBody(), and
 * names the largest body it takes. Idempotency-Key then covers the body's bytes: a retry with the
 * key and other bytes gets 422 IDEMPOTENCY_KEY_REUSED. A streamed route without it gets no
 * Idempotency-Key handling at all (nothing stored, nothing replayed).
 */
export const StreamedBody = (maxBytes: number) => SetMetadata(STREAMED_BODY_MAX_BYTES, maxBytes);

const DIGEST = Symbol('sha-256 of the streamed request body');
type WithDigest = Request & { [DIGEST]?: string };

/** True when the request carries a body that nothing has parsed: a streamed route reads it itself. */
export function hasUnparsedBody(request: Request): boolean {
  return hasBody(request) && request.body === undefined;
}

/**
 * The request body as it arrives, hashed on the way: once it has been read to its end, its SHA-256
 * is kept on the request for the Idempotency-Key interceptor (streamedBodyDigest). Stopping early
 * (a refusal) leaves no digest, and the response is then not stored.
 */
export async function* streamedBody(request: Request): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const piece of request as AsyncIterable<Buffer | string>) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    hash.update(chunk);
    yield chunk;
  }
  (request as WithDigest)[DIGEST] = hash.digest('hex');
}

/** SHA-256 (hex) of a body read to its end through streamedBody(), or undefined. */
export function streamedBodyDigest(request: Request): string | undefined {
  return (request as WithDigest)[DIGEST];
}

/**
 * Reads a streamed body to its end only to hash it (a retry answered from stored responses). Null
 * when it is longer than maxBytes: the route would have refused it, so it cannot be the stored
 * request; reading stops there.
 */
export async function digestOfBody(request: Request, maxBytes: number): Promise<string | null> {
  let bytes = 0;
  for await (const chunk of streamedBody(request)) {
    bytes += chunk.length;
    if (bytes > maxBytes) return null;
  }
  return streamedBodyDigest(request) ?? null;
}
