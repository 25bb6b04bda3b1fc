import type { CubeArray, Interleave } from '../cube.js';
import {
  arrayTypeFor,
  BYTES_PER_SAMPLE,
  decodeSamples,
  HOST_LITTLE_ENDIAN,
  type SampleType,
} from './dtypes.js';
import { HsiFormatError, HsiTruncatedError } from '../errors.js';
import { type ByteSource, readRange, sourceName, throwIfAborted } from './byte-source.js';

/** Reads are merged when the gap between the byte runs they need is at most this. */
const MERGE_GAP_BYTES = 64 * 1024;
/** At most this many bytes are read at once (besides one run that is larger by itself). */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;

/** Where and how the samples of an uncompressed raster lie in its file (ENVI data, NPY body). */
export interface RawLayout {
  rows: number;
  cols: number;
  bands: number;
  headerOffset: number;
  sampleType: SampleType;
  interleave: Interleave;
  littleEndian: boolean;
}

/**
 * More bands than this is taken for a corrupt or hostile header (imaging spectrometers have a few
 * hundred; the limit leaves room for any real one), refused before any per-band list is built.
 */
export const MAX_BANDS = 100_000;

/**
 * Check the file holds exactly the bytes the layout needs: fewer is `HsiTruncatedError`, more is
 * `HsiFormatError` unless `allowExtraBytes`. `describedBy` names the header that gave the layout.
 */
export function checkRawSize(
  source: ByteSource,
  layout: RawLayout,
  describedBy: string,
  allowExtraBytes: boolean,
): void {
  const { rows, cols, bands, sampleType, headerOffset } = layout;
  if (bands > MAX_BANDS)
    throw new HsiFormatError(
      describedBy,
      'bands',
      `${bands} bands is more than the ${MAX_BANDS} any real sensor has (a corrupt header?)`,
    );
  const expected = headerOffset + rows * cols * bands * BYTES_PER_SAMPLE[sampleType];
  const size = source.size;
  if (size < expected) {
    throw new HsiTruncatedError(
      sourceName(source),
      'samples x lines x bands x data type',
      expected,
      size,
      `${describedBy} says ${rows} lines x ${cols} samples x ${bands} bands of ${sampleType} after ${headerOffset} header bytes` +
        ` = ${expected} bytes, but the data file has ${size} (truncated, or a header that lies)`,
    );
  }
  if (size > expected && !allowExtraBytes) {
    throw new HsiFormatError(
      sourceName(source),
      'samples x lines x bands x data type',
      `${describedBy} accounts for ${expected} bytes but the data file has ${size}:` +
        ' the header disagrees with the file (pass allowExtraBytes: true to read it anyway)',
    );
  }
}

/**
 * Samples of a window (rows, cols, listed bands) of an uncompressed raster, in the file's interleave,
 * reading only the byte runs the window needs (merged when close, at most 16 MiB per read).
 */
export async function readRawRegion(
  source: ByteSource,
  layout: RawLayout,
  win: { row: number; col: number; rows: number; cols: number; bands: number[] },
  opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<CubeArray> {
  const { cols: S, rows: L, bands: B, headerOffset, sampleType, interleave, littleEndian } = layout;
  const size = BYTES_PER_SAMPLE[sampleType];
  const { row, col, rows, cols, bands } = win;
  const nb = bands.length;
  const Out = arrayTypeFor(sampleType);
  const NativeView = Out as unknown as new (b: ArrayBufferLike, o: number, n: number) => CubeArray;
  const out = new Out(rows * cols * nb);
  const allBandsInOrder = nb === B && bands.every((b, k) => b === k);
  // Bands of the file in file order, each with the output positions it fills (a band may repeat).
  const slots = new Map<number, number[]>();
  for (const [k, b] of bands.entries()) slots.set(b, [...(slots.get(b) ?? []), k]);
  const fileBands = [...slots.keys()].sort((a, b) => a - b);
  const pairs: [number, number][] = fileBands.flatMap((b) =>
    (slots.get(b) as number[]).map((k) => [b, k] as [number, number]),
  );

  // The runs of samples to read, in file order, as flat arrays (no object per run: windows of big
  // scenes have millions of runs). BIP rows with a band subset are gathered pixel by pixel.
  const gather = interleave === 'bip' && !allBandsInOrder;
  const runCount = interleave === 'bip' ? rows : rows * pairs.length;
  const runOffset = new Float64Array(runCount); // byte offset from the first sample
  const runOut = new Float64Array(runCount); // output index of the run's first sample
  const runSamples = interleave === 'bip' ? cols * B : cols;
  let n = 0;
  if (interleave === 'bsq') {
    for (const [b, k] of pairs)
      for (let r = 0; r < rows; r++) {
        runOffset[n] = ((b * L + row + r) * S + col) * size;
        runOut[n++] = (k * rows + r) * cols;
      }
  } else if (interleave === 'bil') {
    for (let r = 0; r < rows; r++)
      for (const [b, k] of pairs) {
        runOffset[n] = (((row + r) * B + b) * S + col) * size;
        runOut[n++] = (r * nb + k) * cols;
      }
  } else {
    for (let r = 0; r < rows; r++) {
      runOffset[n] = ((row + r) * S + col) * B * size;
      runOut[n++] = r * cols * (gather ? nb : B);
    }
  }

  const runBytes = runSamples * size;
  const totalBytes = runCount * runBytes;
  const native = littleEndian === HOST_LITTLE_ENDIAN && !sampleType.endsWith('int64');
  let decoded: CubeArray | undefined;
  let doneBytes = 0;
  for (let i = 0; i < runCount; ) {
    throwIfAborted(opts.signal);
    // Merge the following runs into one read while they are close and the read stays bounded.
    const start = runOffset[i];
    let end = start + runBytes;
    let j = i + 1;
    while (j < runCount) {
      const o = runOffset[j];
      if (o < start || o - end > MERGE_GAP_BYTES || o + runBytes - start > READ_CHUNK_BYTES) break;
      end = Math.max(end, o + runBytes);
      j++;
    }
    const length = end - start;
    let bytes = await readRange(source, headerOffset + start, length, 'data');
    // Native byte order: a typed view over the read (copied first when it does not start
    // aligned, as a view into a caller's bytes may not); else decode it once.
    let src: CubeArray;
    if (native) {
      if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
      src = new NativeView(bytes.buffer, bytes.byteOffset, length / size);
    } else {
      if (!decoded || decoded.length < length / size)
        decoded = new Out(Math.max(length / size, READ_CHUNK_BYTES / size));
      decodeSamples(bytes, 0, sampleType, littleEndian, length / size, decoded, 0);
      src = decoded;
    }
    for (let k = i; k < j; k++) {
      const from = (runOffset[k] - start) / size;
      const to = runOut[k];
      if (gather) {
        for (let c = 0; c < cols; c++)
          for (let q = 0; q < nb; q++) out[to + c * nb + q] = src[from + c * B + bands[q]];
      } else if (runSamples < 128) {
        // Short runs: a plain loop beats creating a subarray per run.
        for (let q = 0; q < runSamples; q++) out[to + q] = src[from + q];
      } else {
        out.set(src.subarray(from, from + runSamples), to);
      }
    }
    doneBytes += (j - i) * runBytes;
    opts.onProgress?.(doneBytes / totalBytes);
    i = j;
  }
  return out;
}
