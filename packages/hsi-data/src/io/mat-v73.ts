import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CubeArray } from '../cube.js';
import type { SampleType } from './dtypes.js';
import { HsiFormatError, HsiTruncatedError } from './errors.js';
import type { MatDecodeOptions, MatVariable } from './mat-v5.js';

const NUMERIC_CLASSES = new Set([
  'double',
  'single',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'logical',
]);

type H5Module = typeof import('h5wasm/node');
let h5: Promise<H5Module> | undefined;

/** h5wasm's Node build (host file system through NODERAWFS), loaded on first use. */
async function loadH5(): Promise<H5Module> {
  h5 ??= import('h5wasm/node').then(async (mod) => {
    await mod.ready;
    return mod;
  });
  return h5;
}

/** True when the bytes start like a MATLAB v7.3 file (text header, HDF5 superblock at 512). */
export function isMatV73(head: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  const text = new TextDecoder('latin1').decode(head.subarray(0, 20));
  return (
    text.startsWith('MATLAB 7.3') ||
    (head.length >= 520 && sig.every((b, i) => head[512 + i] === b))
  );
}

function sampleTypeOfH5(meta: {
  type: number;
  size: number;
  signed: boolean;
}): SampleType | undefined {
  // h5wasm metadata.type: 0 integer, 1 float (HDF5 H5T_class_t).
  if (meta.type === 1) return meta.size === 4 ? 'float32' : meta.size === 8 ? 'float64' : undefined;
  if (meta.type !== 0) return undefined;
  const bits = meta.size * 8;
  if (![8, 16, 32, 64].includes(bits)) return undefined;
  return `${meta.signed ? 'int' : 'uint'}${bits}` as SampleType;
}

function toCubeArray(value: unknown, type: SampleType): CubeArray {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    return Float64Array.from(value, Number);
  if (ArrayBuffer.isView(value)) return value as unknown as CubeArray;
  throw new RangeError(`unexpected ${type} value from h5wasm`);
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The end-of-file address an HDF5 superblock records (the file's full length when written), or
 * undefined when no superblock is found in the first bytes. The superblock sits at 0 or after a
 * user block of 512, 1024, 2048 ... bytes (MATLAB v7.3: 512).
 */
export function hdf5StoredEndOfFile(head: Uint8Array): number | undefined {
  for (let at = 0; at + 64 <= head.length; at = at === 0 ? 512 : at * 2) {
    if (!HDF5_SIGNATURE.every((b, i) => head[at + i] === b)) continue;
    const view = new DataView(head.buffer, head.byteOffset + at, 64);
    const version = view.getUint8(8);
    const offsetSize = version <= 1 ? view.getUint8(13) : view.getUint8(9);
    // Base, (free space | extension), end-of-file addresses: after the fixed fields of each version.
    const firstAddress = version === 0 ? 24 : version === 1 ? 28 : 12;
    const eofAt = firstAddress + 2 * offsetSize;
    if (offsetSize === 8) return Number(view.getBigUint64(eofAt, true));
    if (offsetSize === 4) return view.getUint32(eofAt, true);
    return undefined;
  }
  return undefined;
}

/**
 * The top-level variables of a MATLAB v7.3 (HDF5) file, as MATLAB sees them: dims are the HDF5 shape
 * reversed, data is column-major. Numeric arrays are decoded unless `headersOnly` or `decode` says no.
 */
export async function parseMatV73(
  file: string,
  opts: MatDecodeOptions = {},
): Promise<MatVariable[]> {
  // HDF5 reports a truncated file only as "cannot open": check the recorded length first.
  const handle = await fs.open(file, 'r');
  try {
    const head = new Uint8Array(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const { size } = await handle.stat();
    const storedEof = hdf5StoredEndOfFile(head.subarray(0, bytesRead));
    if (storedEof !== undefined && size < storedEof) {
      throw new HsiTruncatedError(file, 'HDF5 end-of-file address', storedEof, size);
    }
  } finally {
    await handle.close();
  }
  const h5wasm = await loadH5();
  let f: InstanceType<H5Module['File']>;
  try {
    f = new h5wasm.File(path.resolve(file), 'r');
  } catch (err) {
    throw new HsiFormatError(
      file,
      'HDF5',
      `not a readable HDF5 / MAT v7.3 file (${(err as Error).message})`,
    );
  }
  if (!f || (f as unknown as { file_id: bigint }).file_id < 0n) {
    throw new HsiFormatError(file, 'HDF5', 'not a readable HDF5 / MAT v7.3 file');
  }
  try {
    const variables: MatVariable[] = [];
    for (const name of f.keys()) {
      if (name.startsWith('#')) continue; // MATLAB's #refs# / #subsystem# groups
      const entry = f.get(name);
      if (!(entry instanceof h5wasm.Dataset)) {
        variables.push({ name, matClass: 'struct', dims: [], complex: false, numeric: false });
        continue;
      }
      const attrs = entry.attrs;
      const classAttr = attrs.MATLAB_class?.value;
      const matClass = typeof classAttr === 'string' ? classAttr : 'unknown';
      const empty = attrs.MATLAB_empty !== undefined;
      const dims = [...(entry.shape ?? [])].reverse();
      if (dims.length === 1) dims.push(1);
      const meta = entry.metadata;
      const storedType = sampleTypeOfH5(meta);
      const numeric = NUMERIC_CLASSES.has(matClass) && storedType !== undefined && !empty;
      const variable: MatVariable = { name, matClass, dims, complex: meta.type === 6, numeric };
      if (numeric) variable.storedType = storedType;
      if (numeric && !opts.headersOnly && (opts.decode?.(variable) ?? true)) {
        variable.data = toCubeArray(entry.value, storedType as SampleType);
      }
      variables.push(variable);
    }
    return variables;
  } finally {
    f.close();
  }
}
