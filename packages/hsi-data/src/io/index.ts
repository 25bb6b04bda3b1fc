// I/O public API of @hsrkit/hsi-data's browser-safe entry: readers over bytes (a `ByteSource`, a
// Blob / File, or a Uint8Array) and encoders to bytes, for ENVI, MATLAB, GeoTIFF and NPY cubes.
// The same readers and writers by file path are in '@hsrkit/hsi-data/node' (src/node.ts).
export {
  type ByteInput,
  type ByteSource,
  blobSource,
  bytesSource,
  toByteSource,
} from './byte-source.js';
export {
  type CubeBytes,
  cubeFormatOf,
  cubeInfoFrom,
  type EncodedFile,
  encodeCube,
  type ReadCubeOptions,
  readCubeFrom,
  readCubeWindowFrom,
  readWholeToTile,
  type WriteCubeOptions,
} from './cube-io.js';
export { BYTES_PER_SAMPLE, type SampleType, sampleTypeOf } from './dtypes.js';
export {
  type EnviReadOptions,
  type EnviSources,
  type EnviWriteOptions,
  encodeEnvi,
  enviInfoFrom,
  formatEnviHeader,
  readEnviFrom,
  readEnviHeaderFrom,
  readEnviWindowFrom,
} from './envi.js';
export { ENVI_DATA_TYPES, type EnviHeader, parseEnviHeader } from './envi-header.js';
export {
  ENVI_DATA_EXTENSIONS,
  enviDataFileCandidates,
  enviHeaderFileCandidates,
  enviWritePaths,
  extensionOf,
  isEnviHeaderName,
} from './file-names.js';
export { findNonFinite, type NonFinitePolicy } from './finite.js';
export {
  encodeGeoTiff,
  type GeoTiffWriteOptions,
  gdalMetadataXml,
  geoTiffInfoFrom,
  readGeoTiffFrom,
  readGeoTiffWindowFrom,
} from './geotiff.js';
export {
  type EnviMapInfo,
  formatEnviMapInfo,
  parseEnviMapInfo,
  scaleMapInfo,
} from './map-info.js';
export {
  listMatVariablesFrom,
  type MatPixelsOption,
  type MatReadOptions,
  type MatVariableInfo,
  matInfoFrom,
  type PixelOrder,
  readMatFrom,
} from './mat.js';
export { type MatVariable, parseMatV5 } from './mat-v5.js';
export { hdf5InfoFrom, listHdf5CubesFrom, readHdf5From, readHdf5WindowFrom } from './hdf5.js';
export type {
  BandAxisSource,
  Hdf5CubeCandidate,
  Hdf5ReadOptions,
} from './hdf5-cube.js';
export { encodeMat, type MatWriteOptions } from './mat-writer.js';
export {
  encodeNpy,
  type NpyAxes,
  type NpyHeader,
  type NpyReadOptions,
  type NpyWriteOptions,
  npyInfoFrom,
  parseNpyHeader,
  readNpyFrom,
  readNpyWindowFrom,
} from './npy.js';
export { MAX_BANDS } from './raw-raster.js';
export type { CubeFormat, CubeInfo, ReadOptions } from './types.js';
export { type CubeWindow, cropCube } from './window.js';
