export {
  clearWinogradCache,
  registerWasmWinogradConv,
  type WinogradConvOptions,
  winogradConv2DWasm,
  winogradFusedConv2DWasm,
} from './winograd-conv2d.js';
