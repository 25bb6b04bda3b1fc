// Pure path arithmetic (no node:path) so the browser-safe entry can name outputs too.
import { QueueInputError } from './queue-errors.js';

function baseName(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
}

/**
 * The stem an output is named after: the file name without its extension, and for an ENVI
 * header named after its data file (`scene.img.hdr`) without both.
 */
export function sceneStem(input: string): string {
  let name = baseName(input);
  if (/\.hdr$/i.test(name)) name = name.slice(0, -4);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  if (!stem) throw new QueueInputError(`${input}: no file name to name the output after`);
  return stem;
}

/** Output formats a queued scene can be written in, by extension (as `lkca upscale -o`). */
export const OUTPUT_EXTENSIONS = ['hdr', 'tif', 'npy', 'mat'] as const;
export type OutputExtension = (typeof OUTPUT_EXTENSIONS)[number];

/**
 * `<outDir>/<stem>.<ext>`: ENVI (`hdr`, the default) is written tile by tile in bounded memory,
 * its data file beside the header as `<stem>.img`.
 */
export function outputPathFor(input: string, outDir: string, ext: OutputExtension = 'hdr'): string {
  if (!OUTPUT_EXTENSIONS.includes(ext))
    throw new QueueInputError(
      `output format must be one of ${OUTPUT_EXTENSIONS.join(', ')}, got '${ext}'`,
    );
  const dir = outDir.replace(/[/\\]+$/, '') || '/';
  return `${dir}${dir.endsWith('/') ? '' : '/'}${sceneStem(input)}.${ext}`;
}
