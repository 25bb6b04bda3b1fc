// Node entry of @hsrkit/hsi-data: everything in the browser-safe entry plus the functions that take
// file paths. Node code imports this entry; browser code imports '@hsrkit/hsi-data'.
export * from './index.js';
