// The models the app serves itself (copied from the installed @hsrkit/lkca-net at build time by
// vite/local-assets.ts): no CDN, works offline.

export interface ShippedModel {
  id: string;
  label: string;
  /** Folder inside @hsrkit/lkca-net holding model.json and its weights. */
  packageFolder: string;
  scale: number;
  /** The band count it takes, or 'any' for an any-band model (any-band.json beside model.json). */
  bands: number | 'any';
  /**
   * A model cascade (the package folder holds only cascade.json, src/model-cascade.ts in
   * @hsrkit/lkca-net): the ids of the shipped any-band models it runs, in order.
   */
  stages?: string[];
}

// In order of preference where several take a cube: the generic any-band model before the one
// fine-tuned on the CAVE sample (chosen by hand for CAVE-like scenes).
export const SHIPPED_MODELS: ShippedModel[] = [
  {
    id: 'lkca-distilled-alpha0.1-x4',
    label: 'LKCA-Net student, distilled (shipped weights), x4, 31 bands (CAVE)',
    packageFolder: 'assets/models/lkca-distilled-alpha0.1-x4',
    scale: 4,
    bands: 31,
  },
  {
    id: 'lkca-any-band-x4',
    label: 'LKCA-Net any-band (shipped weights), x4, any band count',
    packageFolder: 'assets/models/lkca-any-band-x4',
    scale: 4,
    bands: 'any',
  },
  {
    id: 'lkca-any-band-x4-cave',
    label:
      'LKCA-Net any-band fine-tuned on CAVE balloons (the demo model, best on the sample), x4, any band count',
    packageFolder: 'assets/models/lkca-any-band-x4-cave',
    scale: 4,
    bands: 'any',
  },
  {
    id: 'lkca-any-band-x2',
    label: 'LKCA-Net any-band (shipped weights), x2, any band count',
    packageFolder: 'assets/models/lkca-any-band-x2',
    scale: 2,
    bands: 'any',
  },
  {
    id: 'lkca-any-band-x8',
    label: 'LKCA-Net any-band cascade: x4 then x2 (shipped weights), x8, any band count',
    packageFolder: 'assets/models/lkca-any-band-x8',
    scale: 8,
    bands: 'any',
    stages: ['lkca-any-band-x4', 'lkca-any-band-x2'],
  },
];

/**
 * The model the embedded sample opens with: the sample is the demo quadrant of CAVE balloons, and
 * this one was fine-tuned on the other half of that scene (`lkca demo` runs it), so it is the best
 * shipped model for it.
 */
export const SAMPLE_MODEL_ID = 'lkca-any-band-x4-cave';

/** The shipped models that take a cube of `bands` bands. */
export const shippedModelsFor = (bands: number) =>
  SHIPPED_MODELS.filter((m) => m.bands === bands || m.bands === 'any');

/** Where the app serves a shipped model's files, under the app's base URL. */
export const shippedModelPath = (id: string) => `models/${id}/`;
/** Where the app serves TF.js's .wasm binaries, under the app's base URL. */
export const WASM_PATH = 'tfjs-wasm/';
