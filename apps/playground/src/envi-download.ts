// The SR cube as an ENVI pair (float32, BIP) built in memory for download; the header comes from
// @hsrkit/hsi-data's own writer, so GDAL, ENVI and spectral-python read it.
import { formatEnviHeader } from '@hsrkit/hsi-data';
import type { BipCube } from './bip-cube.js';

export interface EnviDownload {
  headerName: string;
  dataName: string;
  header: Blob;
  data: Blob;
}

export function enviDownload(cube: BipCube, stem: string, description?: string): EnviDownload {
  const text = formatEnviHeader(cube, {
    interleave: 'bip',
    sampleType: 'float32',
    byteOrder: 0,
    description,
  });
  // Typed arrays are little-endian on every platform browsers run on (checked, not assumed).
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('big-endian platform: ENVI byte order 0 needs a byte swap');
  return {
    headerName: `${stem}.hdr`,
    dataName: `${stem}.img`,
    header: new Blob([text], { type: 'text/plain' }),
    data: new Blob([cube.data as Float32Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  };
}
