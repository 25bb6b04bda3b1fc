// The models the app serves itself (copied from the installed @hsrkit/lkca-net at build time by
// vite/local-assets.ts): no CDN, works offline.

export interface ShippedModel {
  id: string;
  label: string;
  /** Folder inside @hsrkit/lkca-net holding model.json and its weights. */
  packageFolder: string;
  scale: number;
  bands: number;
}

export const SHIPPED_MODELS: ShippedModel[] = [
  {
    id: 'lkca-distilled-alpha0.1-x4',
    label: 'LKCA-Net student, distilled (shipped weights), x4, 31 bands (CAVE)',
    packageFolder: 'assets/models/lkca-distilled-alpha0.1-x4',
    scale: 4,
    bands: 31,
  },
];

/** Where the app serves a shipped model's files, under the app's base URL. */
export const shippedModelPath = (id: string) => `models/${id}/`;
/** Where the app serves TF.js's .wasm binaries, under the app's base URL. */
export const WASM_PATH = 'tfjs-wasm/';
