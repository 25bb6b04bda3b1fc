// The SR cube as an ENVI pair (float32, BIP) built in memory for download, by @hsrkit/hsi-data's
// own encoder (the bytes its Node `writeCube` writes), so GDAL, ENVI and spectral-python read it.
import { type BipCube, encodeCube } from '@hsrkit/hsi-data';

export interface EnviDownload {
  headerName: string;
  dataName: string;
  header: Blob;
  data: Blob;
}

export function enviDownload(cube: BipCube, stem: string, description?: string): EnviDownload {
  const [data, header] = encodeCube(`${stem}.hdr`, cube, {
    interleave: 'bip',
    sampleType: 'float32',
    byteOrder: 0,
    description,
  });
  return {
    headerName: header.name,
    dataName: data.name,
    header: new Blob(header.parts, { type: 'text/plain' }),
    data: new Blob(data.parts, { type: 'application/octet-stream' }),
  };
}
