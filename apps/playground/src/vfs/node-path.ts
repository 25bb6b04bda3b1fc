// A browser stand-in for node:path (POSIX only): the few functions @hsrkit/hsi-data uses to
// pair ENVI headers with data files and to name temp files.

function normalizeParts(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}

export const sep = '/';
export const delimiter = ':';

export function normalize(path: string): string {
  return normalizeParts(path);
}

export function join(...parts: string[]): string {
  return normalizeParts(parts.filter((p) => p !== '').join('/'));
}

export function resolve(...parts: string[]): string {
  let path = '';
  for (let i = parts.length - 1; i >= 0 && !path.startsWith('/'); i--)
    path = path ? `${parts[i]}/${path}` : parts[i];
  return normalizeParts(path.startsWith('/') ? path : `/${path}`);
}

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return trimmed.slice(0, i);
}

export function basename(path: string, ext?: string): string {
  const base = path.replace(/\/+$/, '').slice(path.replace(/\/+$/, '').lastIndexOf('/') + 1);
  return ext && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const i = base.lastIndexOf('.');
  return i <= 0 ? '' : base.slice(i);
}

const path = { sep, delimiter, normalize, join, resolve, isAbsolute, dirname, basename, extname };
export const posix = path;
export default path;
