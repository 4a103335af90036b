/** Keyset cursors are encoded and checked by the platform's strict input parser. */
export { decodeCursor, encodeCursor } from '@ipstd/platform';
