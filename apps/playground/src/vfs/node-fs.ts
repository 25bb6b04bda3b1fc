// A browser stand-in for node:fs over the files mounted by `mountFiles`: the promise API that
// @hsrkit/hsi-data's readers use (open/read/stat/readFile) and the callback API geotiff's
// `fromFile` uses. Reads slice the picked Blob, so a windowed read touches only its bytes.
import { mountedFile } from './files.js';

function noEntry(path: string, syscall: string): Error {
  return Object.assign(new Error(`ENOENT: no such file, ${syscall} '${path}'`), {
    code: 'ENOENT',
    syscall,
    path,
  });
}

function blobOf(path: string, syscall: string): Blob {
  const blob = mountedFile(path);
  if (!blob) throw noEntry(path, syscall);
  return blob;
}

/** Copies bytes [position, position + length) of the blob into `buffer` at `offset`. */
async function readInto(
  blob: Blob,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  const end = Math.min(blob.size, position + length);
  if (end <= position) return 0;
  const bytes = new Uint8Array(await blob.slice(position, end).arrayBuffer());
  buffer.set(bytes, offset);
  return bytes.length;
}

export interface Stats {
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

function statsOf(blob: Blob): Stats {
  return { size: blob.size, isFile: () => true, isDirectory: () => false };
}

export class FileHandle {
  constructor(
    private readonly blob: Blob,
    readonly path: string,
  ) {}
  async read(
    buffer: Uint8Array,
    offset = 0,
    length = buffer.length - offset,
    position = 0,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    const bytesRead = await readInto(this.blob, buffer, offset, length, position ?? 0);
    return { bytesRead, buffer };
  }
  async stat(): Promise<Stats> {
    return statsOf(this.blob);
  }
  async close(): Promise<void> {}
}

function decode(bytes: Uint8Array, encoding?: string | { encoding?: string }): string | Uint8Array {
  const enc = typeof encoding === 'string' ? encoding : encoding?.encoding;
  if (!enc) return bytes;
  return new TextDecoder(enc === 'latin1' || enc === 'binary' ? 'latin1' : enc).decode(bytes);
}

function readOnly(syscall: string): never {
  throw new Error(
    `${syscall}: the browser playground does not write files through node:fs (downloads are built in memory)`,
  );
}

export const promises = {
  async open(path: string, flags = 'r'): Promise<FileHandle> {
    if (flags !== 'r') readOnly('open for writing');
    return new FileHandle(blobOf(path, 'open'), path);
  },
  async stat(path: string): Promise<Stats> {
    return statsOf(blobOf(path, 'stat'));
  },
  async readFile(path: string, encoding?: string | { encoding?: string }): Promise<unknown> {
    const blob = blobOf(path, 'open');
    return decode(new Uint8Array(await blob.arrayBuffer()), encoding);
  },
  writeFile: () => readOnly('writeFile'),
  rename: () => readOnly('rename'),
  unlink: () => readOnly('unlink'),
  mkdir: () => readOnly('mkdir'),
};

// Callback API with numeric descriptors (geotiff's FileSource).
type Callback<T> = (err: Error | null, value?: T, extra?: unknown) => void;
const descriptors = new Map<number, Blob>();
let nextFd = 3;

export function open(
  path: string,
  _flags: string,
  ...rest: [Callback<number>] | [number | undefined, Callback<number>]
): void {
  const cb = rest[rest.length - 1] as Callback<number>;
  const blob = mountedFile(path);
  if (!blob) {
    queueMicrotask(() => cb(noEntry(path, 'open')));
    return;
  }
  const fd = nextFd++;
  descriptors.set(fd, blob);
  queueMicrotask(() => cb(null, fd));
}

export function read(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
  cb: Callback<number>,
): void {
  const blob = descriptors.get(fd);
  if (!blob) {
    queueMicrotask(() => cb(new Error(`EBADF: bad file descriptor ${fd}`)));
    return;
  }
  readInto(blob, buffer, offset, length, position).then(
    (n) => cb(null, n, buffer),
    (e) => cb(e as Error),
  );
}

export function close(fd: number, cb: Callback<void>): void {
  descriptors.delete(fd);
  queueMicrotask(() => cb(null));
}

export function existsSync(path: string): boolean {
  return mountedFile(path) !== undefined;
}

export default { promises, open, read, close, existsSync };
