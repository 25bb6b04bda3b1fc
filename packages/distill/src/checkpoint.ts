import { CheckpointError } from './errors.js';

/** A weight's values copied off the device, with its name and shape. */
export interface StoredArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** Everything a run needs to continue exactly where it stopped. Plain data, no tensors. */
export interface CheckpointState {
  /** Steps completed. */
  step: number;
  /** The run's total steps (schedules depend on it). */
  totalSteps: number;
  /** State of the trainer's seeded generator. */
  rngState: number;
  /** Where the data source stands, if it reports it (JSON). */
  dataState?: unknown;
  /** The optimizer's kind (checked on resume). */
  optimizerType: string;
  /** All student weights, in `model.weights` order. */
  student: StoredArray[];
  /** Each adapter's weights (empty for taps without one). */
  adapters: StoredArray[][];
  /** `optimizer.getWeights()`: the iteration count, then its slot variables. */
  optimizer: StoredArray[];
  /** Free-form JSON the caller wants kept (config, metrics). */
  meta?: Record<string, unknown>;
}

const MAGIC = 'HSRKCKPT';
const VERSION = 1;
const PREFIX = 16; // magic (8) + version (4) + header length (4)

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3), to catch a truncated or damaged payload. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface EntryHeader {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

interface FileHeader {
  step: number;
  totalSteps: number;
  rngState: number;
  dataState?: unknown;
  optimizerType: string;
  meta?: Record<string, unknown>;
  groups: { student: EntryHeader[]; adapters: EntryHeader[][]; optimizer: EntryHeader[] };
  payloadBytes: number;
  payloadCrc32: number;
}

/** One self-describing file: magic, version, JSON header, then the raw little-endian arrays. */
export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  let offset = 0;
  const chunks: Uint8Array[] = [];
  const put = (a: StoredArray): EntryHeader => {
    const count = a.shape.reduce((p, d) => p * d, 1);
    if (count !== a.values.length)
      throw new CheckpointError(
        '(encode)',
        `weight '${a.name}' has ${a.values.length} values for shape [${a.shape}]`,
      );
    const bytes = new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength);
    chunks.push(bytes);
    const e = { name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.values.length };
    offset += bytes.byteLength;
    return e;
  };
  const groups = {
    student: state.student.map(put),
    adapters: state.adapters.map((g) => g.map(put)),
    optimizer: state.optimizer.map(put),
  };
  const payload = new Uint8Array(offset);
  let o = 0;
  for (const c of chunks) {
    payload.set(c, o);
    o += c.byteLength;
  }
  const header: FileHeader = {
    step: state.step,
    totalSteps: state.totalSteps,
    rngState: state.rngState,
    dataState: state.dataState,
    optimizerType: state.optimizerType,
    meta: state.meta,
    groups,
    payloadBytes: payload.byteLength,
    payloadCrc32: crc32(payload),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header so the payload starts 4-byte aligned (typed-array views need it).
  const padded = Math.ceil(json.byteLength / 4) * 4;
  const out = new Uint8Array(PREFIX + padded + payload.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, padded, true);
  out.set(json, PREFIX);
  out.fill(0x20, PREFIX + json.byteLength, PREFIX + padded);
  out.set(payload, PREFIX + padded);
  return out;
}

/** Reads a file written by `encodeCheckpoint`; `source` names it in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): CheckpointState {
  if (bytes.byteLength < PREFIX || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new CheckpointError(source, 'not an hsrkit checkpoint (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION)
    throw new CheckpointError(
      source,
      `unsupported version ${version} (this reader knows ${VERSION})`,
    );
  const headerBytes = view.getUint32(12, true);
  if (PREFIX + headerBytes > bytes.byteLength)
    throw new CheckpointError(
      source,
      `truncated: header of ${headerBytes} bytes but the file has ${bytes.byteLength}`,
    );
  let header: FileHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerBytes)));
  } catch (e) {
    throw new CheckpointError(source, `header is not valid JSON: ${(e as Error).message}`);
  }
  const payloadStart = PREFIX + headerBytes;
  const have = bytes.byteLength - payloadStart;
  if (have !== header.payloadBytes)
    throw new CheckpointError(
      source,
      `truncated or padded: payload has ${have} bytes, header says ${header.payloadBytes}`,
    );
  // Copy so the arrays are aligned and independent of the caller's buffer.
  const payload = bytes.slice(payloadStart);
  const crc = crc32(payload);
  if (crc !== header.payloadCrc32)
    throw new CheckpointError(
      source,
      `payload checksum ${crc} does not match the header's ${header.payloadCrc32}`,
    );
  const get = (e: EntryHeader): StoredArray => {
    const size = e.length * 4;
    if (e.offset % 4 !== 0 || e.offset + size > payload.byteLength)
      throw new CheckpointError(source, `weight '${e.name}' lies outside the payload`);
    const values =
      e.dtype === 'int32'
        ? new Int32Array(payload.buffer, e.offset, e.length)
        : new Float32Array(payload.buffer, e.offset, e.length);
    return { name: e.name, shape: e.shape, dtype: e.dtype, values };
  };
  return {
    step: header.step,
    totalSteps: header.totalSteps,
    rngState: header.rngState,
    dataState: header.dataState,
    optimizerType: header.optimizerType,
    meta: header.meta,
    student: header.groups.student.map(get),
    adapters: header.groups.adapters.map((g) => g.map(get)),
    optimizer: header.groups.optimizer.map(get),
  };
}

/** Where checkpoints go. `checkpoint-node.ts` has one on the file system; bring your own elsewhere. */
export interface CheckpointStore {
  /** Writes the state atomically; returns where it went. */
  save(state: CheckpointState): Promise<string>;
  /** The newest complete checkpoint, or null when there is none. */
  load(): Promise<CheckpointState | null>;
}
