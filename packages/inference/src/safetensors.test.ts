import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, SafetensorsError } from './safetensors.js';
import { readSafetensors } from './safetensors-file.js';

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  /** Little-endian bytes of the values. */
  bytes: number[];
}

/** A .safetensors file as the format defines it: u64 header length, JSON header, tensor bytes. */
function encode(entries: Entry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = {
      dtype: e.dtype,
      shape: e.shape,
      data_offsets: [offset, offset + e.bytes.length],
    };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(
    entries.flatMap((e) => e.bytes),
    8 + json.length,
  );
  return out;
}

const le = (bits: number, width: number) =>
  Array.from({ length: width }, (_, i) =>
    Number((BigInt.asUintN(64, BigInt(bits)) >> BigInt(8 * i)) & 0xffn),
  );

describe('parseSafetensors', () => {
  it('reads every dtype, widened to float32, from hand-encoded bytes', () => {
    const f32 = new Uint8Array(new Float32Array([1.5, -2.25]).buffer);
    const f64 = new Uint8Array(new Float64Array([0.1]).buffer);
    const bytes = encode(
      [
        { name: 'f32', dtype: 'F32', shape: [2], bytes: [...f32] },
        { name: 'f64', dtype: 'F64', shape: [1], bytes: [...f64] },
        // IEEE half: 1.5, -2, +Inf, the smallest subnormal 2^-24.
        {
          name: 'f16',
          dtype: 'F16',
          shape: [2, 2],
          bytes: [0x3e00, 0xc000, 0x7c00, 0x0001].flatMap((h) => le(h, 2)),
        },
        // bfloat16 is the top half of a float32: 1.5, -2.25.
        {
          name: 'bf16',
          dtype: 'BF16',
          shape: [2],
          bytes: [0x3fc0, 0xc010].flatMap((h) => le(h, 2)),
        },
        { name: 'i64', dtype: 'I64', shape: [2], bytes: [-3, 2 ** 40].flatMap((v) => le(v, 8)) },
        { name: 'i32', dtype: 'I32', shape: [1], bytes: le(-70000, 4) },
        { name: 'i16', dtype: 'I16', shape: [1], bytes: le(-300, 2) },
        { name: 'i8', dtype: 'I8', shape: [1], bytes: le(-128, 1) },
        { name: 'u8', dtype: 'U8', shape: [1], bytes: [255] },
        { name: 'bool', dtype: 'BOOL', shape: [1], bytes: [1] },
      ],
      { format: 'pt' },
    );
    const t = parseSafetensors(bytes, 'all.safetensors');
    expect([...t.keys()]).not.toContain('__metadata__');
    const values = (name: string) => Array.from(t.get(name)!.values);
    expect(values('f32')).toEqual([1.5, -2.25]);
    expect(values('f64')).toEqual([Math.fround(0.1)]);
    expect(values('f16')).toEqual([1.5, -2, Number.POSITIVE_INFINITY, Math.fround(2 ** -24)]);
    expect(t.get('f16')!.shape).toEqual([2, 2]);
    expect(values('bf16')).toEqual([1.5, -2.25]);
    expect(values('i64')).toEqual([-3, 2 ** 40]);
    expect(values('i32')).toEqual([-70000]);
    expect(values('i16')).toEqual([-300]);
    expect(values('i8')).toEqual([-128]);
    expect(values('u8')).toEqual([255]);
    expect(values('bool')).toEqual([1]);
    expect(t.get('bf16')!.dtype).toBe('BF16');
  });

  it('rejects malformed files with a SafetensorsError naming the file and the field', () => {
    const good = encode([{ name: 'w', dtype: 'F32', shape: [2], bytes: new Array(8).fill(0) }]);
    const fail = (bytes: Uint8Array, re: RegExp) => {
      expect(() => parseSafetensors(bytes, 'x.safetensors')).toThrow(SafetensorsError);
      expect(() => parseSafetensors(bytes, 'x.safetensors')).toThrow(re);
    };
    fail(good.subarray(0, 4), /^x\.safetensors: header: file shorter/);
    const long = good.slice();
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    fail(long, /header: header length \d+ exceeds the file/);
    const badJson = good.slice();
    badJson[8] = 0x78; // 'x' where the header's '{' was
    fail(badJson, /header: not valid JSON/);
    fail(
      good.subarray(0, good.length - 1),
      /^x\.safetensors: w: data_offsets \[0,8\] do not hold 2 x F32/,
    );
    fail(
      encode([{ name: 'z', dtype: 'C64', shape: [1], bytes: new Array(8).fill(0) }]),
      /z: unsupported dtype 'C64'/,
    );
    fail(
      encode([{ name: 'v', dtype: 'F32', shape: [3], bytes: new Array(8).fill(0) }]),
      /v: data_offsets/,
    );
  });

  it('readSafetensors reads a file, and names an unreadable one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hsrkit-st-'));
    try {
      const path = join(dir, 'w.safetensors');
      const f32 = new Uint8Array(new Float32Array([0.25, 4]).buffer);
      await writeFile(path, encode([{ name: 'w', dtype: 'F32', shape: [1, 2], bytes: [...f32] }]));
      const t = await readSafetensors(path);
      expect(Array.from(t.get('w')!.values)).toEqual([0.25, 4]);
      const missing = join(dir, 'none.safetensors');
      await expect(readSafetensors(missing)).rejects.toThrow(SafetensorsError);
      await expect(readSafetensors(missing)).rejects.toThrow(
        /none\.safetensors: file: cannot be read/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
