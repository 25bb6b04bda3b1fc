// Node entry of @hsrkit/hsi-data: everything in the browser-safe entry, plus readers and writers
// that take file paths (same names and signatures as before 1.0, when they were in '.') and the
// `ByteSource` over a file. Node code imports this entry; browser code imports '@hsrkit/hsi-data'.
export * from './index.js';
export { cubeInfo, readCube, readCubeWindow, writeCube } from './node/cube-files.js';
export {
  enviInfo,
  locateEnviFiles,
  readEnvi,
  readEnviHeader,
  readEnviWindow,
  writeEnvi,
} from './node/envi-files.js';
export {
  checkOutputPaths,
  cubeInputFiles,
  cubeOutputFiles,
} from './node/output-safety.js';
export {
  checkFinalPath,
  openPartialFile,
  partialPathFor,
  removeStalePartials,
} from './node/partial-files.js';
export { type FileByteSource, fileHandleSource, openFileSource } from './node/file-source.js';
export { geoTiffInfo, readGeoTiff, readGeoTiffWindow, writeGeoTiff } from './node/geotiff-files.js';
export { listMatVariables, matInfo, readMat, writeMat } from './node/mat-files.js';
export { hdf5Info, listHdf5Cubes, readHdf5, readHdf5Window } from './node/hdf5-files.js';
export { npyInfo, readNpy, readNpyWindow, writeNpy } from './node/npy-files.js';
export { writePng } from './node/png-file.js';
export { writeFileAtomic } from './node/atomic-write.js';
