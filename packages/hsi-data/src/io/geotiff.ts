// Multi-band GeoTIFF over bytes, read through geotiff.js. The path-taking functions
// (`readGeoTiff(file)` ...) are in '@hsrkit/hsi-data/node' (src/node/geotiff-files.ts).
import { GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { type Cube, type CubeArray, toInterleave } from '../cube.js';
import { HsiConfigError, HsiFormatError, HsiTruncatedError } from '../errors.js';
import {
  type ByteInput,
  type ByteSource,
  sourceName,
  throwIfAborted,
  toByteSource,
} from './byte-source.js';
import { BYTES_PER_SAMPLE, type SampleType, sampleTypeOf, samplesAsBytes } from './dtypes.js';
import { applyNonFinitePolicy } from './finite.js';
import { geoTiffMapInfo } from './geotiff-map-info.js';
import { MAX_BANDS } from './raw-raster.js';
import type { CubeInfo, ReadOptions } from './types.js';
import { type CubeWindow, checkWindow } from './window.js';

/** Sample type from TIFF SampleFormat (1 uint, 2 int, 3 float) and BitsPerSample. */
function tiffSampleType(file: string, format: number, bits: number): SampleType {
  const t =
    format === 3
      ? bits === 32
        ? 'float32'
        : bits === 64
          ? 'float64'
          : undefined
      : format === 1 || format === 2
        ? [8, 16, 32].includes(bits)
          ? `${format === 2 ? 'int' : 'uint'}${bits}`
          : undefined
        : undefined;
  if (!t)
    throw new HsiFormatError(
      file,
      'SampleFormat/BitsPerSample',
      `unsupported samples: format ${format}, ${bits} bits`,
    );
  return t as SampleType;
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Band wavelengths from GDAL's metadata (TIFF tag 42112): per-band `wavelength` items (what GDAL writes
 * for ENVI sources and what `writeGeoTiff` writes), else an ENVI-style `wavelength = {..}` list at the
 * dataset level, else GDAL's `Band_k = "<number> <units>"` dataset items.
 */
async function wavelengthsOf(
  image: GeoTIFFImage,
  bands: number,
): Promise<{ wavelengths?: number[]; wavelengthUnits?: string; bandNames?: string[] }> {
  if (!image.fileDirectory.hasTag('GDAL_METADATA')) return {};
  const xml = String(await image.fileDirectory.loadValue('GDAL_METADATA'));
  // One pass over the items (geotiff's getGDALMetadata re-parses the whole XML for every band).
  const dataset = new Map<string, string>();
  const perBand = Array.from({ length: bands }, () => new Map<string, string>());
  for (const m of xml.matchAll(/<Item\s+([^>]*?)\s*(?:\/>|>([\s\S]*?)<\/Item>)/g)) {
    const attrs = Object.fromEntries(
      [...m[1].matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map((a) => [a[1], decodeXml(a[2])]),
    );
    const value = decodeXml(m[2] ?? '').trim();
    if (attrs.name === undefined) continue;
    if (attrs.sample === undefined) dataset.set(attrs.name, value);
    else if (Number(attrs.sample) < bands) perBand[Number(attrs.sample)].set(attrs.name, value);
  }
  const units = dataset.get('wavelength_units') ?? perBand[0]?.get('wavelength_units');
  const fromItems = perBand.map((md) => Number(md.get('wavelength') ?? Number.NaN));
  if (fromItems.every((v) => Number.isFinite(v)))
    return { wavelengths: fromItems, wavelengthUnits: units };
  const list = dataset.get('wavelength');
  if (list) {
    const items = list.replace(/[{}]/g, '').split(',').map(Number);
    if (items.length === bands && items.every((v) => Number.isFinite(v)))
      return { wavelengths: items, wavelengthUnits: units };
  }
  const bandItems = Array.from({ length: bands }, (_, k) => dataset.get(`Band_${k + 1}`));
  if (bandItems.every((v) => v !== undefined)) {
    const parsed = bandItems.map((v) => /^\s*([-+0-9.eE]+)\s*(.*)$/.exec(v as string));
    if (parsed.every((m) => m && Number.isFinite(Number(m[1])))) {
      return {
        wavelengths: parsed.map((m) => Number(m?.[1])),
        wavelengthUnits: units ?? (parsed[0]?.[2] || undefined),
      };
    }
    return { bandNames: bandItems as string[] };
  }
  const descriptions = perBand.map((md) => md.get('DESCRIPTION'));
  if (descriptions.every((d) => d !== undefined)) return { bandNames: descriptions as string[] };
  return {};
}

/** Throw `HsiTruncatedError` when a strip or tile lies (partly) past the end of the file. */
async function checkBlocksInFile(file: string, size: number, image: GeoTIFFImage): Promise<void> {
  const tiled = image.isTiled;
  const offsets = (await image.fileDirectory.loadValue(
    tiled ? 'TileOffsets' : 'StripOffsets',
  )) as ArrayLike<number>;
  const counts = (await image.fileDirectory.loadValue(
    tiled ? 'TileByteCounts' : 'StripByteCounts',
  )) as ArrayLike<number>;
  let end = 0;
  for (let i = 0; i < offsets.length; i++)
    end = Math.max(end, Number(offsets[i]) + Number(counts[i]));
  if (end > size) {
    throw new HsiTruncatedError(
      file,
      tiled ? 'TileOffsets/TileByteCounts' : 'StripOffsets/StripByteCounts',
      end,
      size,
      `the ${tiled ? 'tiles' : 'strips'} end at byte ${end}, the file has ${size} bytes (truncated)`,
    );
  }
}

/**
 * geotiff.js's source interface (`fetch` of byte slices, `close`) over a `ByteSource`. Bytes past
 * the end read as zeros, as in geotiff's own file source (it asks for 1 KiB of header whatever the
 * file's size); strips or tiles past the end are caught by `checkBlocksInFile`.
 */
class GeoTiffByteSource {
  constructor(private readonly source: ByteSource) {}

  async fetch(
    slices: { offset: number; length: number }[],
    signal?: AbortSignal,
  ): Promise<ArrayBuffer[]> {
    return Promise.all(
      slices.map(async ({ offset, length }) => {
        throwIfAborted(signal);
        // geotiff indexes the buffer from the slice's offset: hand it a buffer of its own.
        const out = new Uint8Array(length);
        const end = Math.min(this.source.size, offset + length);
        if (end > offset) out.set(await this.source.read(offset, end - offset));
        return out.buffer;
      }),
    );
  }

  async close(): Promise<void> {}
}

interface OpenTiff {
  file: string;
  size: number;
  image: GeoTIFFImage;
  rows: number;
  cols: number;
  bands: number;
  sampleType: SampleType;
  close: () => Promise<void>;
}

async function openTiff(input: ByteInput, signal?: AbortSignal): Promise<OpenTiff> {
  const source = toByteSource(input);
  const file = sourceName(source);
  let tiff: GeoTIFF;
  try {
    tiff = await GeoTIFF.fromSource(
      new GeoTiffByteSource(source) as unknown as Parameters<typeof GeoTIFF.fromSource>[0],
      undefined,
      signal,
    );
  } catch (err) {
    throw new HsiFormatError(
      file,
      'TIFF header',
      `not a readable TIFF (${(err as Error).message})`,
    );
  }
  const close = async () => {
    await tiff.close();
  };
  try {
    const image = await tiff.getImage(0);
    const bands = image.getSamplesPerPixel();
    if (bands > MAX_BANDS)
      throw new HsiFormatError(
        file,
        'SamplesPerPixel',
        `${bands} bands is more than the ${MAX_BANDS} any real sensor has (a corrupt header?)`,
      );
    const bits = image.getBitsPerSample(0);
    const format = image.getSampleFormat(0);
    for (let k = 1; k < bands; k++) {
      if (image.getBitsPerSample(k) !== bits || image.getSampleFormat(k) !== format) {
        throw new HsiFormatError(
          file,
          'BitsPerSample',
          'bands of different sample types are not supported',
        );
      }
    }
    return {
      file,
      size: source.size,
      image,
      rows: image.getHeight(),
      cols: image.getWidth(),
      bands,
      sampleType: tiffSampleType(file, format, bits),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Shape, sample type, interleave, tiling and wavelengths of a (multi-band) GeoTIFF, from its header. */
export async function geoTiffInfoFrom(input: ByteInput): Promise<CubeInfo> {
  const t = await openTiff(input);
  try {
    await checkBlocksInFile(t.file, t.size, t.image);
    const planar = t.image.fileDirectory.getValue('PlanarConfiguration') ?? 1;
    return {
      format: 'geotiff',
      file: t.file,
      dataFile: t.file,
      rows: t.rows,
      cols: t.cols,
      bands: t.bands,
      sampleType: t.sampleType,
      interleave: planar === 2 ? 'bsq' : 'bip',
      littleEndian: t.image.littleEndian,
      tileSize: t.image.isTiled
        ? { width: t.image.getTileWidth(), height: t.image.getTileHeight() }
        : undefined,
      ...(await wavelengthsOf(t.image, t.bands)),
    };
  } finally {
    await t.close();
  }
}

async function readRegion(
  input: ByteInput,
  window: CubeWindow | undefined,
  opts: ReadOptions,
): Promise<Cube> {
  throwIfAborted(opts.signal);
  const t = await openTiff(input, opts.signal);
  const { file } = t;
  try {
    const win = checkWindow(file, window, t);
    await checkBlocksInFile(file, t.size, t.image);
    // geotiff reads only the strips / tiles the window touches.
    const raster = await t.image.readRasters({
      window: [win.col, win.row, win.col + win.cols, win.row + win.rows],
      samples: win.bands,
      interleave: true,
      signal: opts.signal,
    });
    opts.onProgress?.(1);
    const meta = await wavelengthsOf(t.image, t.bands);
    const noData = t.image.getGDALNoData();
    const cube: Cube = {
      rows: win.rows,
      cols: win.cols,
      bands: win.bands.length,
      interleave: 'bip',
      data: raster as unknown as CubeArray,
      wavelengths: meta.wavelengths && win.bands.map((b) => (meta.wavelengths as number[])[b]),
      wavelengthUnits: meta.wavelengthUnits,
      bandNames: meta.bandNames && win.bands.map((b) => (meta.bandNames as string[])[b]),
      noDataValue: noData ?? undefined,
      mapInfo: geoTiffMapInfo(t.image, win),
    };
    if (!cube.mapInfo) delete cube.mapInfo;
    if (!cube.wavelengths) delete cube.wavelengths;
    if (!cube.wavelengthUnits) delete cube.wavelengthUnits;
    if (!cube.bandNames) delete cube.bandNames;
    if (cube.noDataValue === undefined) delete cube.noDataValue;
    applyNonFinitePolicy(file, 'data', cube, opts.nonFinite ?? 'error');
    return cube;
  } finally {
    await t.close();
  }
}

/** Read a multi-band GeoTIFF (striped or tiled, pixel- or band-interleaved, any compression geotiff reads) as a BIP cube. */
export function readGeoTiffFrom(input: ByteInput, opts: ReadOptions = {}): Promise<Cube> {
  return readRegion(input, undefined, opts);
}

/** Read a window and/or band subset of a GeoTIFF, reading only the strips or tiles it touches. */
export function readGeoTiffWindowFrom(
  input: ByteInput,
  window: CubeWindow,
  opts: ReadOptions = {},
): Promise<Cube> {
  return readRegion(input, window, opts);
}

export interface GeoTiffWriteOptions {
  /** Sample type to store (default: the cube's own; int64/uint64 are not TIFF sample types here). */
  sampleType?: SampleType;
  /** 'bip' writes PlanarConfiguration 1 (pixel-interleaved), 'bsq' writes 2 (band-interleaved). Default: bip. */
  interleave?: 'bip' | 'bsq';
}

const TIFF_SHORT = 3;
const TIFF_LONG = 4;
const TIFF_ASCII = 2;

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** GDAL's metadata XML with per-band wavelength items, as GDAL itself writes them. */
export function gdalMetadataXml(cube: Cube): string | undefined {
  const items: string[] = [];
  if (cube.wavelengthUnits !== undefined)
    items.push(`  <Item name="wavelength_units">${escapeXml(cube.wavelengthUnits)}</Item>`);
  cube.wavelengths?.forEach((w, k) => {
    items.push(`  <Item name="wavelength" sample="${k}">${w}</Item>`);
    if (cube.wavelengthUnits !== undefined)
      items.push(
        `  <Item name="wavelength_units" sample="${k}">${escapeXml(cube.wavelengthUnits)}</Item>`,
      );
  });
  cube.bandNames?.forEach((n, k) => {
    items.push(
      `  <Item name="DESCRIPTION" sample="${k}" role="description">${escapeXml(n)}</Item>`,
    );
  });
  return items.length ? `<GDALMetadata>\n${items.join('\n')}\n</GDALMetadata>\n` : undefined;
}

/**
 * Encode a cube as a little-endian, uncompressed, striped TIFF (strips of whole rows, about 64 KiB;
 * one plane per band when band-interleaved), MinIsBlack with ExtraSamples, SampleFormat set, and GDAL_METADATA /
 * GDAL_NODATA tags so that GDAL reads the wavelengths back per band.
 */
export function encodeGeoTiff(
  cube: Cube,
  opts: GeoTiffWriteOptions = {},
): Uint8Array<ArrayBuffer>[] {
  const sampleType = opts.sampleType ?? sampleTypeOf(cube.data);
  if (sampleType.endsWith('int64'))
    throw new HsiConfigError('sampleType', `${sampleType} samples are not written to GeoTIFF`);
  const interleave = opts.interleave ?? 'bip';
  const { rows, cols, bands } = cube;
  const ordered = toInterleave(cube, interleave);
  const size = BYTES_PER_SAMPLE[sampleType];
  const pixelBytes = samplesAsBytes(ordered.data, sampleType, true);
  const total = pixelBytes.length;
  if (total > 0xffff0000)
    throw new HsiConfigError('cube', 'more than 4 GiB needs BigTIFF, which is not written');
  // Strips of about 64 KiB (whole rows): few enough reads, small enough for windowed readers.
  const rowBytes = interleave === 'bip' ? cols * bands * size : cols * size;
  const rowsPerStrip = Math.max(1, Math.min(rows, Math.floor(65536 / rowBytes)));
  const stripsPerPlane = Math.ceil(rows / rowsPerStrip);
  const planes = interleave === 'bip' ? 1 : bands;
  const stripOffsets: number[] = [];
  const stripCounts: number[] = [];
  for (let p = 0; p < planes; p++)
    for (let s = 0; s < stripsPerPlane; s++) {
      stripOffsets.push(p * rows * rowBytes + s * rowsPerStrip * rowBytes);
      stripCounts.push(Math.min(rowsPerStrip, rows - s * rowsPerStrip) * rowBytes);
    }
  const format = sampleType.startsWith('float') ? 3 : sampleType.startsWith('int') ? 2 : 1;
  const xml = gdalMetadataXml(cube);
  const noData = cube.noDataValue !== undefined ? String(cube.noDataValue) : undefined;

  type Entry = { tag: number; type: number; values: number[] | string };
  const entries: Entry[] = [
    { tag: 256, type: TIFF_LONG, values: [cols] },
    { tag: 257, type: TIFF_LONG, values: [rows] },
    { tag: 258, type: TIFF_SHORT, values: new Array(bands).fill(size * 8) },
    { tag: 259, type: TIFF_SHORT, values: [1] },
    { tag: 262, type: TIFF_SHORT, values: [1] },
    { tag: 273, type: TIFF_LONG, values: stripOffsets },
    { tag: 277, type: TIFF_SHORT, values: [bands] },
    { tag: 278, type: TIFF_LONG, values: [rowsPerStrip] },
    { tag: 279, type: TIFF_LONG, values: stripCounts },
    { tag: 284, type: TIFF_SHORT, values: [interleave === 'bip' ? 1 : 2] },
  ];
  if (bands > 1) entries.push({ tag: 338, type: TIFF_SHORT, values: new Array(bands - 1).fill(0) });
  entries.push({ tag: 339, type: TIFF_SHORT, values: new Array(bands).fill(format) });
  if (xml) entries.push({ tag: 42112, type: TIFF_ASCII, values: `${xml}\0` });
  if (noData) entries.push({ tag: 42113, type: TIFF_ASCII, values: `${noData}\0` });

  // Layout: 8-byte header, IFD, out-of-line tag values, then the pixel data.
  const ifdBytes = 2 + entries.length * 12 + 4;
  const valueBytes = (e: Entry) =>
    typeof e.values === 'string'
      ? e.values.length
      : e.values.length * (e.type === TIFF_SHORT ? 2 : 4);
  let extra = 0;
  for (const e of entries) if (valueBytes(e) > 4) extra += valueBytes(e) + (valueBytes(e) % 2);
  const dataStart = 8 + ifdBytes + extra;
  const strip273 = entries.find((e) => e.tag === 273) as Entry;
  strip273.values = stripOffsets.map((o) => dataStart + o);

  const head = new Uint8Array(dataStart);
  const view = new DataView(head.buffer);
  head.set([0x49, 0x49], 0);
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  let valueAt = 8 + ifdBytes;
  entries.forEach((e, i) => {
    const at = 10 + i * 12;
    const n = typeof e.values === 'string' ? e.values.length : e.values.length;
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.type, true);
    view.setUint32(at + 4, n, true);
    const bytes = valueBytes(e);
    const target = bytes > 4 ? valueAt : at + 8;
    if (bytes > 4) {
      view.setUint32(at + 8, valueAt, true);
      valueAt += bytes + (bytes % 2);
    }
    if (typeof e.values === 'string') {
      for (let k = 0; k < e.values.length; k++) head[target + k] = e.values.charCodeAt(k) & 0xff;
    } else {
      e.values.forEach((v, k) => {
        if (e.type === TIFF_SHORT) view.setUint16(target + 2 * k, v, true);
        else view.setUint32(target + 4 * k, v, true);
      });
    }
  });
  view.setUint32(10 + entries.length * 12, 0, true);
  return [head, pixelBytes.subarray(0, total)];
}
