import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Request } from 'express';
import { digestOfBody, hasUnparsedBody, streamedBody, streamedBodyDigest } from '../src/http/streamed-body';

/** A request body arriving in pieces, with the headers a client would send. */
function upload(pieces: Array<string | Buffer>, headers: Record<string, string> = { 'transfer-encoding': 'chunked' }): Request {
  return Object.assign(Readable.from(pieces), { headers, body: undefined }) as unknown as Request;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('streamed request bodies', () => {
  it('hands the body on unchanged and keeps the SHA-256 of its bytes once it has been read to its end', async () => {
    const request = upload(['a,b\n', Buffer.from('1,2\n'), '3,4\n']);
    const read: string[] = [];
    const body = streamedBody(request);
    for await (const chunk of body) {
      read.push(chunk.toString());
      expect(streamedBodyDigest(request)).toBeUndefined();
    }
    expect(read.join('')).toBe('a,b\n1,2\n3,4\n');
    expect(streamedBodyDigest(request)).toBe(sha256('a,b\n1,2\n3,4\n'));
  });

  it('keeps no digest when the reader stops early (a refused upload)', async () => {
    const request = upload(['first\n', 'second\n']);
    for await (const chunk of streamedBody(request)) {
      expect(chunk.toString()).toBe('first\n');
      break;
    }
    expect(streamedBodyDigest(request)).toBeUndefined();
  });

  it('hashes a body up to the route limit and gives null past it', async () => {
    expect(await digestOfBody(upload(['12345', '67890']), 10)).toBe(sha256('1234567890'));
    expect(await digestOfBody(upload(['12345', '678901']), 10)).toBeNull();
  });

  it('tells an unparsed body from a parsed one and from none', () => {
    expect(hasUnparsedBody(upload([], { 'content-length': '12' }))).toBe(true);
    expect(hasUnparsedBody(upload([], { 'transfer-encoding': 'chunked' }))).toBe(true);
    expect(hasUnparsedBody(upload([], { 'content-length': '0' }))).toBe(false);
    expect(hasUnparsedBody(upload([], {}))).toBe(false);
    expect(hasUnparsedBody(Object.assign(upload([], { 'content-length': '2' }), { body: {} }))).toBe(false);
  });
});
