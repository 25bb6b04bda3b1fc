import { promises as fs } from 'node:fs';
import { HsiTruncatedError } from './errors.js';

/** Reads byte ranges of an open file; a short read is a `HsiTruncatedError` naming the file. */
export class FileRangeReader {
  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  static async open(file: string): Promise<FileRangeReader> {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      return new FileRangeReader(file, handle, size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** `length` bytes from `position`, into `into` (at `intoOffset`) when given. */
  async read(
    position: number,
    length: number,
    field: string,
    into?: Uint8Array,
    intoOffset = 0,
  ): Promise<Uint8Array> {
    if (position + length > this.size)
      throw new HsiTruncatedError(this.file, field, position + length, this.size);
    const buffer = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(
        buffer,
        intoOffset + done,
        length - done,
        position + done,
      );
      if (bytesRead === 0)
        throw new HsiTruncatedError(this.file, field, position + length, position + done);
      done += bytesRead;
    }
    return into ? buffer.subarray(intoOffset, intoOffset + length) : buffer;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Throw the signal's reason (an AbortError) when it has been aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
