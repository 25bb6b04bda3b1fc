// Node entry of @hsrkit/distill: everything in the browser-safe entry, checkpoints in a folder, and
// `train` that accepts `checkpoint.dir` (docs/ARCHITECTURE.md, "Entries").
export * from './index.js';
export {
  listCheckpoints,
  loadCheckpoint,
  nodeCheckpointStore,
  saveCheckpoint,
} from './checkpoint-node.js';
export { train } from './train-node.js';
