// @hsrkit/hsi-data reads cubes by path through node:fs; in the browser those imports resolve to
// stand-ins over the files the user picked (src/vfs). The Node-only paths (PNG files, MAT v7.3
// through h5wasm's Node build, node:module) resolve to modules that say so when used.
import { fileURLToPath } from 'node:url';
import type { Alias } from 'vite';

const vfs = (file: string) => fileURLToPath(new URL(`../src/vfs/${file}`, import.meta.url));

export const nodeShims: Alias[] = [
  { find: /^(node:)?fs$/, replacement: vfs('node-fs.ts') },
  { find: /^(node:)?fs\/promises$/, replacement: vfs('node-fs-promises.ts') },
  { find: /^(node:)?path$/, replacement: vfs('node-path.ts') },
  { find: /^(node:)?crypto$/, replacement: vfs('node-crypto.ts') },
  { find: /^(node:)?module$/, replacement: vfs('node-only.ts') },
  { find: /^pngjs$/, replacement: vfs('node-only.ts') },
  { find: /^h5wasm\/node$/, replacement: vfs('node-only.ts') },
];
