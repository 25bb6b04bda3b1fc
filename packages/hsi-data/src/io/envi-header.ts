import type { Interleave } from '../cube.js';
import type { SampleType } from './dtypes.js';
import { HsiConfigError, HsiFormatError } from '../errors.js';

/** ENVI `data type` codes this package reads and writes. */
export const ENVI_DATA_TYPES: Record<number, SampleType> = {
  1: 'uint8',
  2: 'int16',
  3: 'int32',
  4: 'float32',
  5: 'float64',
  12: 'uint16',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

/** The ENVI `data type` code of a sample type. */
export function enviDataTypeCode(type: SampleType): number {
  for (const [code, t] of Object.entries(ENVI_DATA_TYPES)) if (t === type) return Number(code);
  throw new HsiConfigError('sampleType', `ENVI has no data type for ${type}`);
}

/** An ENVI header: the fields that define the raster, and every field as read (keys lower case). */
export interface EnviHeader {
  samples: number;
  lines: number;
  bands: number;
  headerOffset: number;
  dataType: number;
  sampleType: SampleType;
  interleave: Interleave;
  /** ENVI `byte order`: 0 little-endian, 1 big-endian. */
  byteOrder: 0 | 1;
  /** Every field: `{...}` values as the text between the braces (newlines kept), others trimmed. */
  fields: Record<string, string>;
  /** The keys whose values were in braces. */
  braced: Set<string>;
}

/** Split the text of a `{a, b, c}` value into trimmed items (empty input -> no items). */
export function splitEnviList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((s) => s.trim());
}

/**
 * Parse the text of an ENVI header. Copes with `;` comments, `{...}` values over many lines, keys in
 * any order and case, CRLF line ends; missing `header offset` / `byte order` default to 0.
 */
export function parseEnviHeader(text: string, file: string): EnviHeader {
  const src = text.replace(/\r\n?/g, '\n');
  if (!/^\s*ENVI\b/.test(src))
    throw new HsiFormatError(file, 'ENVI', 'an ENVI header must start with the word ENVI');
  const fields: Record<string, string> = {};
  const braced = new Set<string>();
  let pos = src.indexOf('ENVI') + 4;
  while (pos < src.length) {
    const lineEnd = src.indexOf('\n', pos) < 0 ? src.length : src.indexOf('\n', pos);
    const line = src.slice(pos, lineEnd);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';')) {
      pos = lineEnd + 1;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0)
      throw new HsiFormatError(file, trimmed.slice(0, 40), 'header line without "key = value"');
    const key = line.slice(0, eq).trim().toLowerCase().replace(/\s+/g, ' ');
    const afterEq = pos + eq + 1;
    const rest = src.slice(afterEq, lineEnd).trimStart();
    if (rest.startsWith('{')) {
      const open = src.indexOf('{', afterEq);
      const close = src.indexOf('}', open);
      if (close < 0) throw new HsiFormatError(file, key, 'a "{" list is never closed with "}"');
      fields[key] = src.slice(open + 1, close);
      braced.add(key);
      const next = src.indexOf('\n', close);
      pos = next < 0 ? src.length : next + 1;
    } else {
      fields[key] = rest.trim();
      pos = lineEnd + 1;
    }
  }

  const int = (key: string, fallback?: number): number => {
    const raw = fields[key];
    if (raw === undefined) {
      if (fallback !== undefined) return fallback;
      throw new HsiFormatError(file, key, 'required field is missing');
    }
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 0)
      throw new HsiFormatError(file, key, `"${raw}" is not a non-negative integer`);
    return v;
  };
  const samples = int('samples');
  const lines = int('lines');
  const bands = int('bands');
  if (samples === 0 || lines === 0 || bands === 0) {
    throw new HsiFormatError(
      file,
      'samples/lines/bands',
      `empty raster ${lines} x ${samples} x ${bands}`,
    );
  }
  const dataType = int('data type');
  const sampleType = ENVI_DATA_TYPES[dataType];
  if (!sampleType) {
    throw new HsiFormatError(
      file,
      'data type',
      `unknown or unsupported ENVI data type ${dataType} (supported: ${Object.keys(ENVI_DATA_TYPES).join(', ')})`,
    );
  }
  const interleave = (fields.interleave ?? 'bsq').trim().toLowerCase();
  if (interleave !== 'bsq' && interleave !== 'bil' && interleave !== 'bip') {
    throw new HsiFormatError(file, 'interleave', `"${fields.interleave}" is not bsq, bil or bip`);
  }
  const byteOrder = int('byte order', 0);
  if (byteOrder !== 0 && byteOrder !== 1)
    throw new HsiFormatError(file, 'byte order', `${byteOrder} is not 0 or 1`);
  return {
    samples,
    lines,
    bands,
    headerOffset: int('header offset', 0),
    dataType,
    sampleType,
    interleave,
    byteOrder,
    fields,
    braced,
  };
}

/** Numbers of a list field (`wavelength`, `fwhm` ...), or undefined when absent; checks the count. */
export function enviNumberList(
  header: EnviHeader,
  key: string,
  file: string,
): number[] | undefined {
  const raw = header.fields[key];
  if (raw === undefined) return undefined;
  const items = splitEnviList(raw).map(Number);
  if (items.length !== header.bands || items.some((v) => Number.isNaN(v))) {
    throw new HsiFormatError(
      file,
      key,
      `expected ${header.bands} numbers, got "${raw.trim().slice(0, 80)}"`,
    );
  }
  return items;
}

/** Format one header field: lists in braces, wrapped to readable lines. */
export function formatEnviField(key: string, value: string | string[] | number | number[]): string {
  if (Array.isArray(value)) {
    const items = value.map(String);
    // Numbers six to a line; names one to a line.
    const perLine = items.every((s) => /^[-+0-9.eE]+$/.test(s)) ? 6 : 1;
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine)
      lines.push(` ${items.slice(i, i + perLine).join(', ')}`);
    return `${key} = {\n${lines.join(',\n')}}`;
  }
  const text = String(value);
  return `${key} = ${text}`;
}
