/** A .safetensors file that is malformed or lacks what the model needs. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field}: ${message}`);
  }
}

export interface SafeTensor {
  dtype: string;
  shape: number[];
  /** Values widened to float32 (F16/BF16/F64/integers are converted). */
  values: Float32Array;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const bf16Bits = new Uint32Array(1);
const bf16Value = new Float32Array(bf16Bits.buffer);
function bf16ToFloat(h: number): number {
  bf16Bits[0] = h << 16;
  return bf16Value[0];
}

/** Each safetensors dtype: its width in bytes and how one little-endian value is read. */
const DTYPES: Record<string, { bytes: number; read: (dv: DataView, offset: number) => number }> = {
  F64: { bytes: 8, read: (dv, o) => dv.getFloat64(o, true) },
  F32: { bytes: 4, read: (dv, o) => dv.getFloat32(o, true) },
  F16: { bytes: 2, read: (dv, o) => halfToFloat(dv.getUint16(o, true)) },
  BF16: { bytes: 2, read: (dv, o) => bf16ToFloat(dv.getUint16(o, true)) },
  I64: { bytes: 8, read: (dv, o) => Number(dv.getBigInt64(o, true)) },
  I32: { bytes: 4, read: (dv, o) => dv.getInt32(o, true) },
  I16: { bytes: 2, read: (dv, o) => dv.getInt16(o, true) },
  I8: { bytes: 1, read: (dv, o) => dv.getInt8(o) },
  U8: { bytes: 1, read: (dv, o) => dv.getUint8(o) },
  BOOL: { bytes: 1, read: (dv, o) => dv.getUint8(o) },
};

/**
 * Parses a .safetensors buffer: 8-byte little-endian header length, a JSON header of
 * `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the raw little-endian tensor bytes.
 * `file` names the source in errors.
 */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): Map<string, SafeTensor> {
  if (bytes.byteLength < 8)
    throw new SafetensorsError(file, 'header', 'file shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.byteLength - 8)
    throw new SafetensorsError(file, 'header', `header length ${headerLen} exceeds the file`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(file, 'header', `not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + headerLen;
  const out = new Map<string, SafeTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: off,
    } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const type = DTYPES[dtype];
    if (!type) throw new SafetensorsError(file, name, `unsupported dtype '${dtype}'`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== n * type.bytes || base + off[1] > bytes.byteLength)
      throw new SafetensorsError(
        file,
        name,
        `data_offsets [${off}] do not hold ${n} x ${dtype} inside the file`,
      );
    const dv = new DataView(bytes.buffer, bytes.byteOffset + base + off[0], n * type.bytes);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = type.read(dv, i * type.bytes);
    out.set(name, { dtype, shape, values });
  }
  return out;
}
