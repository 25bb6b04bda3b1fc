// I/O public API of @hsrkit/hsi-data: readers and writers of ENVI, MATLAB, GeoTIFF and NPY cubes.
export {
  cubeFormatOf,
  cubeInfo,
  type ReadCubeOptions,
  readCube,
  readCubeWindow,
  type WriteCubeOptions,
  writeCube,
} from './cube-io.js';
export { BYTES_PER_SAMPLE, type SampleType, sampleTypeOf } from './dtypes.js';
export {
  type EnviReadOptions,
  type EnviWriteOptions,
  enviInfo,
  enviWritePaths,
  formatEnviHeader,
  locateEnviFiles,
  readEnvi,
  readEnviHeader,
  readEnviWindow,
  writeEnvi,
} from './envi.js';
export { ENVI_DATA_TYPES, type EnviHeader, parseEnviHeader } from './envi-header.js';
export { HsiFormatError, HsiIoError, HsiTruncatedError, HsiDataValueError } from './errors.js';
export { findNonFinite, type NonFinitePolicy } from './finite.js';
export {
  encodeGeoTiff,
  type GeoTiffWriteOptions,
  gdalMetadataXml,
  geoTiffInfo,
  readGeoTiff,
  readGeoTiffWindow,
  writeGeoTiff,
} from './geotiff.js';
export {
  listMatVariables,
  type MatPixelsOption,
  type MatReadOptions,
  type MatVariableInfo,
  matInfo,
  type PixelOrder,
  readMat,
} from './mat.js';
export { type MatVariable, parseMatV5 } from './mat-v5.js';
export { encodeMat, type MatWriteOptions, writeMat } from './mat-writer.js';
export {
  encodeNpy,
  type NpyAxes,
  type NpyHeader,
  type NpyReadOptions,
  type NpyWriteOptions,
  npyInfo,
  parseNpyHeader,
  readNpy,
  readNpyWindow,
  writeNpy,
} from './npy.js';
export type { CubeFormat, CubeInfo, ReadOptions } from './types.js';
export { type CubeWindow, cropCube } from './window.js';
