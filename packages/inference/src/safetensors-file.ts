import { promises as fs } from 'node:fs';
import { parseSafetensors, type SafeTensor, SafetensorsError } from './safetensors.js';

/** Reads and parses a .safetensors file (Node). */
export async function readSafetensors(path: string): Promise<Map<string, SafeTensor>> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(path);
  } catch (e) {
    throw new SafetensorsError(path, 'file', `cannot be read (${(e as Error).message})`);
  }
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
