// PNG encoding and decoding in plain JS over fflate's zlib (no Buffer, no node:zlib), so previews
// work in the browser entry. Writing a PNG file by path is in './node' (src/node/png-file.ts).
import { unzlibSync, zlibSync } from 'fflate';
import { HsiFormatError, HsiShapeError } from '../errors.js';
import { concatBytes } from '../io/byte-source.js';
import type { RgbImage } from './false-color.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` (the PNG / zlib polynomial). */
function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function checkImage(image: RgbImage, what: string): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new HsiShapeError(`${what}: image size ${width} x ${height} is not positive integers`);
  if (data.length !== width * height * 4)
    throw new HsiShapeError(
      `${what}: ${width} x ${height} RGBA needs ${width * height * 4} bytes, got ${data.length}`,
    );
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The filtered byte `type` (0 none, 1 sub, 2 up, 3 average, 4 Paeth) makes of `x` given its neighbours. */
function predictor(type: number, left: number, up: number, upLeft: number): number {
  switch (type) {
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4:
      return paeth(left, up, upLeft);
    default:
      return 0;
  }
}

/**
 * PNG bytes (8-bit RGBA, not interlaced) of an image. Each row gets the filter whose output has
 * the smallest sum of absolute values (the usual heuristic), then zlib level 6.
 */
export function encodePng(image: RgbImage): Uint8Array<ArrayBuffer> {
  checkImage(image, 'encodePng');
  const { width, height, data } = image;
  const stride = width * 4;
  const raw = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let type = 0; type <= 4; type++) {
      let cost = 0;
      for (let x = 0; x < stride; x++) {
        const left = x >= 4 ? data[row + x - 4] : 0;
        const up = y > 0 ? data[row - stride + x] : 0;
        const upLeft = x >= 4 && y > 0 ? data[row - stride + x - 4] : 0;
        const v = (data[row + x] - predictor(type, left, up, upLeft)) & 0xff;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = type;
      }
    }
    for (let x = 0; x < stride; x++) {
      const left = x >= 4 ? data[row + x - 4] : 0;
      const up = y > 0 ? data[row - stride + x] : 0;
      const upLeft = x >= 4 && y > 0 ? data[row - stride + x - 4] : 0;
      candidate[x] = (data[row + x] - predictor(best, left, up, upLeft)) & 0xff;
    }
    raw[y * (stride + 1)] = best;
    raw.set(candidate, y * (stride + 1) + 1);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, RGBA, deflate, adaptive filtering, no interlace
  return concatBytes([
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', zlibSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Decodes PNG bytes to 8-bit RGBA. Reads greyscale, RGB, palette, grey + alpha and RGBA (with tRNS
 * transparency) at 8 bits per sample, and 16 bits (scaled to 8); interlaced PNGs and
 * palette / grey depths below 8 bits are a `HsiFormatError`, as is a chunk whose CRC is wrong.
 */
export function decodePng(bytes: Uint8Array, file = 'png'): RgbImage {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b))
    throw new HsiFormatError(file, 'signature', 'not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length; ) {
    if (at + 12 > bytes.length) throw new HsiFormatError(file, 'chunk', `cut short at byte ${at}`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 8 + length;
    if (end + 4 > bytes.length) throw new HsiFormatError(file, type, `cut short at byte ${at}`);
    if (crc32(bytes, at + 4, end) !== view.getUint32(end))
      throw new HsiFormatError(file, type, 'CRC mismatch (corrupt file)');
    const body = bytes.subarray(at + 8, end);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      [depth, colorType] = [body[8], body[9]];
      if (body[12] !== 0) throw new HsiFormatError(file, 'IHDR', 'interlaced PNGs are not read');
      if (CHANNELS[colorType] === undefined || (depth !== 8 && !(depth === 16 && colorType !== 3)))
        throw new HsiFormatError(
          file,
          'IHDR',
          `colour type ${colorType} at ${depth} bits per sample is not read (8-bit, or 16-bit non-palette)`,
        );
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at = end + 4;
  }
  if (colorType < 0) throw new HsiFormatError(file, 'IHDR', 'missing');
  if (colorType === 3 && !palette) throw new HsiFormatError(file, 'PLTE', 'missing');
  const raw = unzlibSync(concatBytes(idat));
  const sampleBytes = depth / 8;
  const bpp = CHANNELS[colorType] * sampleBytes;
  const stride = width * bpp;
  if (raw.length < height * (stride + 1))
    throw new HsiFormatError(
      file,
      'IDAT',
      `holds ${raw.length} bytes, ${height} rows need ${height * (stride + 1)}`,
    );
  // Undo the filters in place, row by row (each row's filter byte first).
  const lines = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)];
    if (type > 4) throw new HsiFormatError(file, 'IDAT', `row ${y} has filter type ${type}`);
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? lines[row + x - bpp] : 0;
      const up = y > 0 ? lines[row - stride + x] : 0;
      const upLeft = x >= bpp && y > 0 ? lines[row - stride + x - bpp] : 0;
      lines[row + x] = (raw[src + x] + predictor(type, left, up, upLeft)) & 0xff;
    }
  }
  const out = new Uint8Array(width * height * 4);
  const fullSample = (p: number, k: number) => {
    const i = (p * CHANNELS[colorType] + k) * sampleBytes;
    return sampleBytes === 2 ? (lines[i] << 8) | lines[i + 1] : lines[i];
  };
  // 16-bit samples scale to 8 bits as v * 255 / 65535, rounded (the PNG spec's rule).
  const sample =
    sampleBytes === 2
      ? (p: number, k: number) => Math.floor((fullSample(p, k) * 255) / 65535 + 0.5)
      : fullSample;
  // tRNS of a grey or RGB image: the one colour (full-depth samples) that is transparent.
  const key =
    transparency && (colorType === 0 || colorType === 2)
      ? Array.from(
          { length: colorType === 0 ? 1 : 3 },
          (_, k) => (transparency[2 * k] << 8) | transparency[2 * k + 1],
        )
      : undefined;
  const keyed = (p: number) => key?.every((v, k) => fullSample(p, k) === v) ?? false;
  for (let p = 0; p < width * height; p++) {
    const o = p * 4;
    if (colorType === 3) {
      const i = lines[p];
      out.set(palette?.subarray(3 * i, 3 * i + 3) ?? [], o);
      out[o + 3] = transparency && i < transparency.length ? transparency[i] : 255;
    } else if (colorType === 0 || colorType === 4) {
      const g = sample(p, 0);
      out[o] = out[o + 1] = out[o + 2] = g;
      out[o + 3] = colorType === 4 ? sample(p, 1) : keyed(p) ? 0 : 255;
    } else {
      out[o] = sample(p, 0);
      out[o + 1] = sample(p, 1);
      out[o + 2] = sample(p, 2);
      out[o + 3] = colorType === 6 ? sample(p, 3) : keyed(p) ? 0 : 255;
    }
  }
  return { width, height, data: out };
}
