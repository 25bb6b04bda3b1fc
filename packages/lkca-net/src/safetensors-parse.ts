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

const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Parses a .safetensors buffer: 8-byte little-endian header length, a JSON header of
 * `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the raw little-endian tensor bytes.
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
    const width = DTYPE_BYTES[dtype];
    if (!width) throw new SafetensorsError(file, name, `unsupported dtype '${dtype}'`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== n * width || base + off[1] > bytes.byteLength)
      throw new SafetensorsError(
        file,
        name,
        `data_offsets [${off}] do not hold ${n} x ${dtype} inside the file`,
      );
    const dv = new DataView(bytes.buffer, bytes.byteOffset + base + off[0], n * width);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * width;
      switch (dtype) {
        case 'F32':
          values[i] = dv.getFloat32(o, true);
          break;
        case 'F64':
          values[i] = dv.getFloat64(o, true);
          break;
        case 'F16':
          values[i] = halfToFloat(dv.getUint16(o, true));
          break;
        case 'BF16':
          values[i] = new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0];
          break;
        case 'I64':
          values[i] = Number(dv.getBigInt64(o, true));
          break;
        case 'I32':
          values[i] = dv.getInt32(o, true);
          break;
        case 'I16':
          values[i] = dv.getInt16(o, true);
          break;
        case 'I8':
          values[i] = dv.getInt8(o);
          break;
        default:
          values[i] = dv.getUint8(o);
      }
    }
    out.set(name, { dtype, shape, values });
  }
  return out;
}
