import { HsiConfigError } from '../errors.js';
import { SSIM_GAUSSIAN_11, SSIM_UNIFORM_7, type SsimWindow } from './ssim.js';

/** Named metric conventions; papers differ, so every number says which one it follows. */
export type MetricPreset = 'sspsr' | 'mcnet';

export interface PresetRules {
  /** `per-band`: mean over bands of PSNR_b; `whole-cube`: one PSNR from the MSE of all samples. */
  psnr: 'per-band' | 'whole-cube';
  ssim: SsimWindow;
  /**
   * `non-zero`: mean angle over pixels whose ground-truth and predicted spectra are both non-zero.
   * `eps`: MCNet's eval.py: zero samples replaced by 2.2204e-16, every pixel counted, NaN angles as 0.
   */
  sam: 'non-zero' | 'eps';
}

/**
 * - `sspsr` (docs/ARCHITECTURE.md, "Metrics and the field's protocol"): per-band mean PSNR;
 *   scikit-image SSIM with a 7 x 7 uniform window and sample covariance, per band then mean; SAM
 *   in degrees over non-zero spectra.
 * - `mcnet` (qianngli/MCNet eval.py): whole-cube PSNR; SSIM per band with an 11 x 11 Gaussian window
 *   (sigma 1.5, population covariance, valid windows), then mean; SAM with MCNet's epsilon rule.
 * ERGAS, CC and RMSE are the same in both.
 */
export const METRIC_PRESETS: Readonly<Record<MetricPreset, PresetRules>> = {
  sspsr: { psnr: 'per-band', ssim: SSIM_UNIFORM_7, sam: 'non-zero' },
  mcnet: { psnr: 'whole-cube', ssim: SSIM_GAUSSIAN_11, sam: 'eps' },
};

/** The rules of a preset by name; an unknown name is an HsiConfigError on `preset`. */
export function presetRules(preset: MetricPreset): PresetRules {
  const rules = Object.hasOwn(METRIC_PRESETS, preset) ? METRIC_PRESETS[preset] : undefined;
  if (!rules)
    throw new HsiConfigError(
      'preset',
      `unknown metric preset '${preset}' (use 'sspsr' or 'mcnet')`,
    );
  return rules;
}
