// `ByteSource`s over files on disk (Node only): reads go through an open FileHandle, so a windowed
// read of a multi-GB scene touches only its byte ranges.
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { HsiFormatError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';

/** A `ByteSource` over an open file; `close` closes the handle. */
export interface FileByteSource extends ByteSource {
  readonly name: string;
  close(): Promise<void>;
}

/** A `ByteSource` over an open `FileHandle` of `size` bytes (the caller keeps and closes the handle). */
export function fileHandleSource(handle: FileHandle, size: number, name: string): ByteSource {
  return {
    name,
    size,
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break; // the file shrank: the caller sees a short read
        done += bytesRead;
      }
      return done === length ? buffer : buffer.subarray(0, done);
    },
  };
}

/**
 * Opens `path` for reading as a `ByteSource` named by the path. Only a regular file is read: a
 * directory, a FIFO (which would block) or a device (/dev/zero never ends) is an `HsiFormatError`
 * naming the path. Opened non-blocking so that a FIFO cannot hang the open itself.
 */
export async function openFileSource(path: string): Promise<FileByteSource> {
  const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new HsiFormatError(path, 'file', 'is a directory, not a cube file');
    if (!st.isFile()) throw new HsiFormatError(path, 'file', 'is not a regular file');
    const { size } = st;
    return { ...fileHandleSource(handle, size, path), name: path, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Runs `use` on `path` opened as a source, and closes it whatever happens. */
export async function withFileSource<T>(
  path: string,
  use: (source: FileByteSource) => Promise<T>,
): Promise<T> {
  const source = await openFileSource(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/**
 * `read` taking a path instead of its byte source: the file is opened for the call and closed
 * after. The './node' readers are these over the browser entry's byte readers.
 */
export function onFile<A extends unknown[], R>(
  read: (source: ByteSource, ...args: A) => Promise<R>,
): (file: string, ...args: A) => Promise<R> {
  return (file, ...args) => withFileSource(file, (source) => read(source, ...args));
}
