// node:fs/promises for the browser: the same in-memory files as the node:fs stand-in.
import { promises } from './node-fs.js';

export const { open, stat, readFile, writeFile, rename, unlink, mkdir } = promises;
export default promises;
