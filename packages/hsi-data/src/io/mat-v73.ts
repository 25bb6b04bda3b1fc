// MATLAB v7.3 files are HDF5; h5wasm reads them. Here over bytes, with h5wasm's browser-capable
// build (the bytes go into its in-memory file system); './node' opens files by path through
// h5wasm's Node build instead (src/node/mat-v73-file.ts). Both list variables with `hdf5MatVariables`.
import type { CubeArray } from '../cube.js';
import { HsiFormatError, HsiTruncatedError } from '../errors.js';
import type { SampleType } from './dtypes.js';
import { confinedToFile, externalTarget, virtualSourceFiles } from './hdf5-links.js';
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

/** The part of h5wasm's API the MAT reader uses (its browser and Node builds share it). */
export type H5Api = Pick<typeof import('h5wasm'), 'File' | 'Dataset'>;
type H5File = InstanceType<H5Api['File']>;

/** A loader of an h5wasm build: imports it on first use and waits until its wasm is ready. */
export function h5wasmLoader<M extends { ready: Promise<unknown> }>(
  load: () => Promise<M>,
): () => Promise<M> {
  let loaded: Promise<M> | undefined;
  return () => {
    loaded ??= load().then(async (mod) => {
      await mod.ready;
      return mod;
    });
    return loaded;
  };
}

/** h5wasm's browser-capable build (in-memory file system). */
const loadH5 = h5wasmLoader(() => import('h5wasm'));

/** True when the bytes start like a MATLAB v7.3 file (text header, HDF5 superblock at 512). */
export function isMatV73(head: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  const text = new TextDecoder('latin1').decode(head.subarray(0, 20));
  return (
    text.startsWith('MATLAB 7.3') ||
    (head.length >= 520 && sig.every((b, i) => head[512 + i] === b))
  );
}

/** The sample type of an h5wasm dataset's metadata (undefined: not a numeric type we read). */
export function sampleTypeOfH5(meta: {
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

/** An h5wasm read as a cube array (64-bit integers as float64). */
export function toCubeArray(value: unknown, type: SampleType): CubeArray {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    return Float64Array.from(value, Number);
  if (ArrayBuffer.isView(value)) return value as unknown as CubeArray;
  throw new HsiFormatError('HDF5', type, 'h5wasm returned no typed array for a numeric dataset');
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
 * Throws `HsiTruncatedError` when the file is shorter than the end-of-file address its HDF5
 * superblock records (HDF5 itself reports a truncated file only as "cannot open").
 */
export function checkHdf5Length(head: Uint8Array, size: number, file: string): void {
  const storedEof = hdf5StoredEndOfFile(head);
  if (storedEof !== undefined && size < storedEof)
    throw new HsiTruncatedError(file, 'HDF5 end-of-file address', storedEof, size);
}

/** Opens an HDF5 file with h5wasm; a file it cannot open is a `HsiFormatError`. */
export function openHdf5(h5wasm: H5Api, path: string, file: string): H5File {
  let f: H5File;
  try {
    f = new h5wasm.File(path, 'r');
  } catch (err) {
    throw new HsiFormatError(
      file,
      'HDF5',
      `not a readable HDF5 / MAT v7.3 file (${(err as Error).message})`,
    );
  }
  if (!f || (f as unknown as { file_id: bigint }).file_id < 0n)
    throw new HsiFormatError(file, 'HDF5', 'not a readable HDF5 / MAT v7.3 file');
  return f;
}

/**
 * The top-level variables of an open MATLAB v7.3 (HDF5) file, as MATLAB sees them: dims are the
 * HDF5 shape reversed, data is column-major. Numeric arrays are decoded unless `headersOnly` or
 * `decode` says no.
 */
export function hdf5MatVariables(
  h5wasm: H5Api,
  f: H5File,
  opts: MatDecodeOptions = {},
  fileInfo?: { file: string; size: number },
): MatVariable[] {
  const variables: MatVariable[] = [];
  for (const name of f.keys()) {
    if (name.startsWith('#')) continue; // MATLAB's #refs# / #subsystem# groups
    // In another file (src/io/hdf5-links.ts): listed, never opened or decoded.
    const elsewhere = externalTarget(f, `/${name}`);
    if (elsewhere) {
      variables.push({
        name,
        matClass: `external link ${elsewhere}`,
        dims: [],
        complex: false,
        numeric: false,
      });
      continue;
    }
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
    const virtualElsewhere = virtualSourceFiles(meta).length > 0;
    const numeric =
      NUMERIC_CLASSES.has(matClass) && storedType !== undefined && !empty && !virtualElsewhere;
    const variable: MatVariable = { name, matClass, dims, complex: meta.type === 6, numeric };
    if (numeric) variable.storedType = storedType;
    if (numeric && !opts.headersOnly && (opts.decode?.(variable) ?? true)) {
      if (fileInfo) checkDeclaredBytes(fileInfo, name, dims, meta.size);
      variable.data = toCubeArray(entry.value, storedType as SampleType);
    }
    variables.push(variable);
  }
  return variables;
}

/** Decoded variables larger than this are refused (a JS typed array cannot hold more anyway). */
export const MAX_DECODED_BYTES = 2 ** 32;
/** Deflate packs constant data at most about this much: more means dims that lie. */
const MAX_COMPRESSION_RATIO = 1032;

/**
 * The dims an HDF5 dataset declares, checked against the file's real size and a sane limit before
 * h5wasm allocates them: a 1e9 x 1e9 header in a 4 KiB file fails here, not with out-of-memory.
 */
function checkDeclaredBytes(
  fileInfo: { file: string; size: number },
  name: string,
  dims: number[],
  sampleBytes: number,
): void {
  const bytes = dims.reduce((n, d) => n * d, sampleBytes);
  const limit = Math.min(MAX_DECODED_BYTES, fileInfo.size * MAX_COMPRESSION_RATIO);
  if (!(bytes <= limit))
    throw new HsiFormatError(
      fileInfo.file,
      name,
      `dims [${dims.join(', ')}] declare ${bytes} bytes, more than a ${fileInfo.size}-byte file can hold (limit ${limit})`,
    );
}

let openCount = 0;

/**
 * An HDF5 file held in memory, opened with h5wasm's in-memory file system (the browser build):
 * `close` frees the copy h5wasm keeps. Shared by MAT v7.3 and the HDF5 / NetCDF-4 cube reader.
 */
export async function openHdf5Bytes(
  bytes: Uint8Array,
  file: string,
): Promise<{ h5: H5Api; f: H5File; close(): void; confined<T>(fn: () => T): T }> {
  checkHdf5Length(bytes.subarray(0, 4096), bytes.length, file);
  const h5wasm = await loadH5();
  const FS = h5wasm.FS as NonNullable<typeof h5wasm.FS>;
  const memPath = `/hsi-data-h5-${++openCount}.h5`;
  FS.writeFile(memPath, bytes);
  let f: H5File;
  try {
    f = openHdf5(h5wasm, memPath, file);
  } catch (err) {
    FS.unlink(memPath);
    throw err;
  }
  return {
    h5: h5wasm,
    f,
    close: () => {
      f.close();
      FS.unlink(memPath);
    },
    // Calls on the file that may open no other (src/io/hdf5-links.ts).
    confined: (fn) => confinedToFile(FS, memPath, file, fn),
  };
}

/**
 * A MATLAB v7.3 file held in memory: `variables` lists (and decodes) what it holds, `close` frees
 * the copy h5wasm keeps.
 */
export async function openMatV73Bytes(
  bytes: Uint8Array,
  file: string,
): Promise<{ variables(opts: MatDecodeOptions): MatVariable[]; close(): void }> {
  const { h5, f, close, confined } = await openHdf5Bytes(bytes, file);
  return {
    variables: (opts) =>
      confined(() => hdf5MatVariables(h5, f, opts, { file, size: bytes.length })),
    close,
  };
}
