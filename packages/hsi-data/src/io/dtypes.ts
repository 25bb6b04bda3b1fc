import type { CubeArray } from '../cube.js';

/** Sample types the readers understand. 64-bit integers are read into Float64Array (exact up to 2^53). */
export type SampleType =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

export const BYTES_PER_SAMPLE: Record<SampleType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

type ArrayCtor = new (n: number) => CubeArray;

/** The typed array a sample type is held in once read. */
export function arrayTypeFor(type: SampleType): ArrayCtor {
  switch (type) {
    case 'int8':
      return Int8Array;
    case 'uint8':
      return Uint8Array;
    case 'int16':
      return Int16Array;
    case 'uint16':
      return Uint16Array;
    case 'int32':
      return Int32Array;
    case 'uint32':
      return Uint32Array;
    case 'float32':
      return Float32Array;
    case 'int64':
    case 'uint64':
    case 'float64':
      return Float64Array;
  }
}

/** The sample type a typed array holds (Float64Array -> float64). */
export function sampleTypeOf(data: CubeArray): SampleType {
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** True on little-endian hosts (every platform Node and browsers run on today, but check). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decode `count` samples of `type` from `bytes` (starting at `byteOffset`) into `out` at `outOffset`,
 * with the given byte order. Fast path: a native-order copy through a typed-array view.
 */
export function decodeSamples(
  bytes: Uint8Array,
  byteOffset: number,
  type: SampleType,
  littleEndian: boolean,
  count: number,
  out: CubeArray,
  outOffset = 0,
): void {
  const size = BYTES_PER_SAMPLE[type];
  const start = bytes.byteOffset + byteOffset;
  if (littleEndian === HOST_LITTLE_ENDIAN && type !== 'int64' && type !== 'uint64') {
    const Ctor = arrayTypeFor(type) as unknown as new (
      b: ArrayBufferLike,
      o: number,
      n: number,
    ) => CubeArray;
    // A typed view straight over the bytes when aligned; else copy them out first.
    const view =
      start % size === 0
        ? new Ctor(bytes.buffer, start, count)
        : new Ctor(bytes.slice(byteOffset, byteOffset + count * size).buffer, 0, count);
    out.set(view, outOffset);
    return;
  }
  const view = new DataView(bytes.buffer, start, count * size);
  const le = littleEndian;
  switch (type) {
    case 'int8':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getInt8(i);
      return;
    case 'uint8':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getUint8(i);
      return;
    case 'int16':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getInt16(2 * i, le);
      return;
    case 'uint16':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getUint16(2 * i, le);
      return;
    case 'int32':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getInt32(4 * i, le);
      return;
    case 'uint32':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getUint32(4 * i, le);
      return;
    case 'float32':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(4 * i, le);
      return;
    case 'float64':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat64(8 * i, le);
      return;
    case 'int64':
      for (let i = 0; i < count; i++) out[outOffset + i] = Number(view.getBigInt64(8 * i, le));
      return;
    case 'uint64':
      for (let i = 0; i < count; i++) out[outOffset + i] = Number(view.getBigUint64(8 * i, le));
      return;
  }
}

/** Encode `data` as `type` samples in the given byte order (values converted as typed arrays do). */
export function encodeSamples(
  data: ArrayLike<number>,
  type: SampleType,
  littleEndian: boolean,
): Uint8Array<ArrayBuffer> {
  const size = BYTES_PER_SAMPLE[type];
  const out = new Uint8Array(data.length * size);
  const view = new DataView(out.buffer);
  const le = littleEndian;
  const n = data.length;
  switch (type) {
    case 'int8':
      for (let i = 0; i < n; i++) view.setInt8(i, data[i]);
      break;
    case 'uint8':
      for (let i = 0; i < n; i++) view.setUint8(i, data[i]);
      break;
    case 'int16':
      for (let i = 0; i < n; i++) view.setInt16(2 * i, data[i], le);
      break;
    case 'uint16':
      for (let i = 0; i < n; i++) view.setUint16(2 * i, data[i], le);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) view.setInt32(4 * i, data[i], le);
      break;
    case 'uint32':
      for (let i = 0; i < n; i++) view.setUint32(4 * i, data[i], le);
      break;
    case 'float32':
      for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i], le);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) view.setFloat64(8 * i, data[i], le);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(Math.round(data[i])), le);
      break;
    case 'uint64':
      for (let i = 0; i < n; i++) view.setBigUint64(8 * i, BigInt(Math.round(data[i])), le);
      break;
  }
  return out;
}

/**
 * The bytes of `data` stored as `type` in the given byte order: a view of `data` itself when it
 * already is that type in the host's order and on a plain ArrayBuffer (no copy), else
 * `encodeSamples`.
 */
export function samplesAsBytes(
  data: CubeArray,
  type: SampleType,
  littleEndian: boolean,
): Uint8Array<ArrayBuffer> {
  const { buffer } = data;
  if (
    sampleTypeOf(data) === type &&
    littleEndian === HOST_LITTLE_ENDIAN &&
    buffer instanceof ArrayBuffer
  )
    return new Uint8Array(buffer, data.byteOffset, data.byteLength);
  return encodeSamples(data, type, littleEndian);
}
