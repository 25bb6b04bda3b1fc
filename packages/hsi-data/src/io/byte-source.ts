// Where the readers get their bytes: any object that knows its size and reads a byte range. The
// browser entry backs one with a Uint8Array or a Blob / File; './node' backs one with an open
// FileHandle (src/node/file-source.ts). See docs/ARCHITECTURE.md, "Entries".
import { HsiTruncatedError } from '../errors.js';

/** The bytes of one file, read by range. */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** `length` bytes starting at `offset` (the readers never ask past `size`). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The file's name (a `File`'s name, a path): errors name it, and `readCubeFrom` takes the format from its extension. */
  readonly name?: string;
}

/** What the readers accept as one file's bytes: a `ByteSource`, a `Blob` / `File`, or the bytes themselves. */
export type ByteInput = ByteSource | Blob | Uint8Array;

/** A source over bytes already in memory; reads are views into `bytes`, not copies. */
export function bytesSource(bytes: Uint8Array, name?: string): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** A source over a `Blob` or `File` (named by the File's name unless `name` is given): each read slices it, so a windowed read loads only its bytes. */
export function blobSource(blob: Blob, name?: string): ByteSource {
  return {
    name: name ?? (blob as Partial<File>).name,
    size: blob.size,
    read: async (offset, length) =>
      new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/** The `ByteSource` of a `ByteInput` (a source is returned as it is). */
export function toByteSource(input: ByteInput, name?: string): ByteSource {
  if (input instanceof Uint8Array) return bytesSource(input, name);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return blobSource(input, name);
  const source = input as ByteSource;
  if (name === undefined || source.name === name) return source;
  return { name, size: source.size, read: (offset, length) => source.read(offset, length) };
}

/** The name errors use for a source: its own, or `bytes` when it has none. */
export function sourceName(source: ByteSource): string {
  return source.name ?? 'bytes';
}

/**
 * Exactly `length` bytes at `offset`: a range past the end, or a source that returns fewer bytes
 * than asked (a file that shrank), is a `HsiTruncatedError` naming the source and `field`.
 */
export async function readRange(
  source: ByteSource,
  offset: number,
  length: number,
  field: string,
): Promise<Uint8Array> {
  if (offset + length > source.size)
    throw new HsiTruncatedError(sourceName(source), field, offset + length, source.size);
  const bytes = await source.read(offset, length);
  if (bytes.length !== length)
    throw new HsiTruncatedError(sourceName(source), field, offset + length, offset + bytes.length);
  return bytes;
}

/** Every byte of a source. */
export function readAll(source: ByteSource, field = 'data'): Promise<Uint8Array> {
  return readRange(source, 0, source.size, field);
}

/** The parts one after another in one new buffer, after `offset` zero bytes (room for a header). */
export function concatBytes(parts: Uint8Array[], offset = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(offset + parts.reduce((n, p) => n + p.length, 0));
  let at = offset;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Throw the signal's reason (an AbortError) when it has been aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
