import { Unzlib, unzlibSync } from 'fflate';
import type { CubeArray } from '../cube.js';
import { arrayTypeFor, BYTES_PER_SAMPLE, decodeSamples, type SampleType } from './dtypes.js';
import { HsiFormatError, HsiTruncatedError } from '../errors.js';

/** MATLAB class names by mxClass code. */
const MX_CLASS: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function',
  17: 'opaque',
};

/** Sample types of the MAT-file data element types (miINT8 ... miUINT64). */
const MI_TYPE: Record<number, SampleType> = {
  1: 'int8',
  2: 'uint8',
  3: 'int16',
  4: 'uint16',
  5: 'int32',
  6: 'uint32',
  7: 'float32',
  9: 'float64',
  12: 'int64',
  13: 'uint64',
};
export const MI_MATRIX = 14;
export const MI_COMPRESSED = 15;

/** One top-level variable of a MAT file. */
export interface MatVariable {
  name: string;
  /** MATLAB class: 'double', 'single', 'int8' ... 'uint64', 'logical', or 'char', 'cell', 'struct' ... */
  matClass: string;
  /** MATLAB dimensions (column-major: dims[0] varies fastest). */
  dims: number[];
  complex: boolean;
  /** True for numeric and logical arrays, the kinds this reader returns. */
  numeric: boolean;
  /** Type the samples are stored in (MATLAB may store a double array compactly, e.g. as uint16). */
  storedType?: SampleType;
  /** Real part, column-major, in `storedType` (64-bit integers as Float64Array); absent when only headers were read. */
  data?: CubeArray;
}

/** Which variables a MAT parser decodes: none (`headersOnly`), those `decode` accepts, or all numeric ones. */
export interface MatDecodeOptions {
  headersOnly?: boolean;
  decode?: (variable: MatVariable) => boolean;
}

/** True when the 128-byte header says MATLAB 5.0-7.2 (v5) format; v7.3 files are HDF5. */
export function isMatV5(bytes: Uint8Array): boolean {
  if (bytes.length < 128) return false;
  const version = bytes[124] | (bytes[125] << 8);
  const be = bytes[126] === 0x4d && bytes[127] === 0x49;
  const v = be ? (bytes[124] << 8) | bytes[125] : version;
  return v === 0x0100 && ((bytes[126] === 0x49 && bytes[127] === 0x4d) || be);
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }

  /** The data element tag at `at`: type, byte count, where its data starts and where the next element is. */
  tag(at: number, field: string): { type: number; size: number; data: number; next: number } {
    if (at + 8 > this.bytes.length)
      throw new HsiTruncatedError(this.file, field, at + 8, this.bytes.length);
    const first = this.u32(at);
    if (first >>> 16 !== 0) {
      // Small data element: type and size packed in 4 bytes, data in the next 4.
      return { type: first & 0xffff, size: first >>> 16, data: at + 4, next: at + 8 };
    }
    const size = this.u32(at + 4);
    const type = first;
    if (at + 8 + size > this.bytes.length)
      throw new HsiTruncatedError(this.file, field, at + 8 + size, this.bytes.length);
    // miCOMPRESSED elements are not padded to 8 bytes; everything else is.
    const next = type === MI_COMPRESSED ? at + 8 + size : at + 8 + Math.ceil(size / 8) * 8;
    return { type, size, data: at + 8, next: Math.min(next, this.bytes.length) };
  }
}

/**
 * Parse one miMATRIX element body. With `headersOnly` the data is not decoded (and may be cut short:
 * only the flags, dims, name and the tag of the real part are needed).
 */
function parseMatrix(
  r: Reader,
  start: number,
  end: number,
  headersOnly: boolean,
  where: string,
): MatVariable {
  const flagsTag = r.tag(start, `${where} array flags`);
  const flags = r.u32(flagsTag.data);
  const classCode = flags & 0xff;
  const complex = (flags & 0x800) !== 0;
  const logical = (flags & 0x200) !== 0;
  const dimsTag = r.tag(flagsTag.next, `${where} dimensions`);
  const dims: number[] = [];
  for (let i = 0; i < dimsTag.size / 4; i++)
    dims.push(r.view.getInt32(dimsTag.data + 4 * i, r.littleEndian));
  const nameTag = r.tag(dimsTag.next, `${where} name`);
  const name = new TextDecoder('latin1').decode(
    r.bytes.subarray(nameTag.data, nameTag.data + nameTag.size),
  );
  const matClass = logical ? 'logical' : (MX_CLASS[classCode] ?? `class ${classCode}`);
  const numeric = classCode >= 6 && classCode <= 15;
  const variable: MatVariable = { name, matClass, dims, complex, numeric };
  if (!numeric) return variable;
  const realTag = r.tag(nameTag.next, `${name} real part`);
  const storedType = MI_TYPE[realTag.type];
  if (!storedType)
    throw new HsiFormatError(r.file, name, `unknown MAT data element type ${realTag.type}`);
  variable.storedType = storedType;
  if (headersOnly) return variable;
  const count = dims.reduce((a, b) => a * b, 1);
  if (realTag.size !== count * BYTES_PER_SAMPLE[storedType] || realTag.data + realTag.size > end) {
    throw new HsiFormatError(
      r.file,
      name,
      `dimensions ${dims.join('x')} need ${count} ${storedType} samples, the data element holds ${realTag.size} bytes`,
    );
  }
  const Out = arrayTypeFor(storedType);
  const data = new Out(count);
  decodeSamples(r.bytes, realTag.data, storedType, r.littleEndian, count, data, 0);
  variable.data = data;
  return variable;
}

/** The first `want` bytes of a zlib stream (or all of it when shorter), inflating no more than needed. */
function inflateHead(compressed: Uint8Array, want: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let got = 0;
  const z = new Unzlib((chunk) => {
    parts.push(chunk);
    got += chunk.length;
  });
  for (let off = 0; off < compressed.length && got < want; off += 4096) {
    const end = Math.min(off + 4096, compressed.length);
    z.push(compressed.subarray(off, end), end === compressed.length);
  }
  const out = new Uint8Array(got);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The top-level variables of a MAT v5 file (compressed or not, either byte order). Numeric and logical
 * arrays are decoded unless `headersOnly`; chars, cells, structs, sparse and objects are listed but not
 * decoded; `decode` picks which numeric arrays are decoded (the others are still listed).
 */
export function parseMatV5(
  bytes: Uint8Array,
  file: string,
  opts: MatDecodeOptions = {},
): MatVariable[] {
  if (bytes.length < 128) throw new HsiTruncatedError(file, 'header', 128, bytes.length);
  if (!isMatV5(bytes))
    throw new HsiFormatError(file, 'header', 'not a MATLAB 5.0 (v5 - v7.2) MAT-file');
  const littleEndian = bytes[126] === 0x49;
  const top = new Reader(bytes, littleEndian, file);
  const variables: MatVariable[] = [];
  let at = 128;
  while (at < bytes.length) {
    if (bytes.length - at < 8) {
      // Trailing padding after the last element.
      if (bytes.subarray(at).every((b) => b === 0)) break;
      throw new HsiTruncatedError(file, `element at byte ${at}`, at + 8, bytes.length);
    }
    const tag = top.tag(at, `element at byte ${at}`);
    const headersOnly = opts.headersOnly === true;
    if (tag.type === MI_MATRIX) {
      const peek = parseMatrix(top, tag.data, tag.data + tag.size, true, `element at byte ${at}`);
      const decode = !headersOnly && peek.numeric && (opts.decode?.(peek) ?? true);
      variables.push(
        decode ? parseMatrix(top, tag.data, tag.data + tag.size, false, peek.name) : peek,
      );
    } else if (tag.type === MI_COMPRESSED) {
      const compressed = bytes.subarray(tag.data, tag.data + tag.size);
      let inner: Uint8Array;
      try {
        inner = inflateHead(compressed, 4096);
      } catch (err) {
        throw new HsiFormatError(
          file,
          `compressed element at byte ${at}`,
          `corrupt zlib data (${(err as Error).message})`,
        );
      }
      // The head is cut at 4 KiB: parse the matrix header inside what was inflated.
      const cut = new Reader(inner, littleEndian, file);
      const innerTag = smallOrFullTag(cut, 0, `compressed element at byte ${at}`);
      const peek = parseMatrixHeaderTolerant(
        cut,
        innerTag.type,
        `compressed element at byte ${at}`,
      );
      const decode = !headersOnly && peek.numeric && (opts.decode?.(peek) ?? true);
      if (!decode) {
        variables.push(peek);
      } else {
        let full: Uint8Array;
        try {
          full = unzlibSync(compressed);
        } catch (err) {
          throw new HsiFormatError(
            file,
            peek.name,
            `corrupt or truncated zlib data (${(err as Error).message})`,
          );
        }
        const r = new Reader(full, littleEndian, file);
        const t = r.tag(0, peek.name);
        variables.push(parseMatrix(r, t.data, t.data + t.size, false, peek.name));
      }
    }
    // Other top-level element types are not variables: skip them.
    at = tag.next;
  }
  return variables;
}

/** Matrix header from an inflated head that may stop early (big variables): flags, dims, name, data tag type. */
function parseMatrixHeaderTolerant(r: Reader, type: number, where: string): MatVariable {
  if (type !== MI_MATRIX)
    return { name: '', matClass: `element ${type}`, dims: [], complex: false, numeric: false };
  const bytes = r.bytes;
  // Element tags inside: flags at 8, then dims, name, real part tag. Read them without size checks on data.
  const at = 8;
  const flagsTag = smallOrFullTag(r, at, where);
  const flags = r.u32(flagsTag.data);
  const classCode = flags & 0xff;
  const dimsTag = smallOrFullTag(r, flagsTag.next, where);
  const dims: number[] = [];
  for (let i = 0; i < dimsTag.size / 4; i++)
    dims.push(r.view.getInt32(dimsTag.data + 4 * i, r.littleEndian));
  const nameTag = smallOrFullTag(r, dimsTag.next, where);
  const name = new TextDecoder('latin1').decode(
    bytes.subarray(nameTag.data, nameTag.data + nameTag.size),
  );
  const logical = (flags & 0x200) !== 0;
  const numeric = classCode >= 6 && classCode <= 15;
  const variable: MatVariable = {
    name,
    matClass: logical ? 'logical' : (MX_CLASS[classCode] ?? `class ${classCode}`),
    dims,
    complex: (flags & 0x800) !== 0,
    numeric,
  };
  if (numeric) {
    const realTag = smallOrFullTag(r, nameTag.next, where);
    variable.storedType = MI_TYPE[realTag.type];
  }
  return variable;
}

function smallOrFullTag(
  r: Reader,
  at: number,
  field: string,
): { type: number; size: number; data: number; next: number } {
  if (at + 8 > r.bytes.length)
    throw new HsiFormatError(r.file, field, 'matrix header is cut short');
  const first = r.u32(at);
  if (first >>> 16 !== 0)
    return { type: first & 0xffff, size: first >>> 16, data: at + 4, next: at + 8 };
  const size = r.u32(at + 4);
  return { type: first, size, data: at + 8, next: at + 8 + Math.ceil(size / 8) * 8 };
}
