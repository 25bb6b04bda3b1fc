// Stand-in for Node-only modules the packages reach only on Node code paths (node:module in
// lkca-net's runtime, pngjs for PNG files, h5wasm's Node build for MAT v7.3): any use says so.

function nodeOnly(what: string): never {
  throw new Error(
    `${what} is not available in the browser playground (it needs Node); ` +
      'use ENVI, MAT v5, GeoTIFF or NPY files here',
  );
}

export function createRequire(): never {
  return nodeOnly('node:module');
}

export class PNG {
  constructor() {
    nodeOnly('PNG encoding through pngjs');
  }
  static sync = {
    read: () => nodeOnly('PNG decoding through pngjs'),
    write: () => nodeOnly('PNG encoding through pngjs'),
  };
}

/** h5wasm/node: MAT v7.3 (HDF5) files are read through the host file system there. */
export const ready = Promise.resolve();
export class File {
  constructor() {
    nodeOnly('Reading MATLAB v7.3 (HDF5) files');
  }
}

export default { createRequire, PNG, ready, File };
