#!/usr/bin/python3
"""Reference fixtures for @hsrkit/hsi-data's metrics, normalisation and blur tests.

Run from the repository root with Debian's python3 (numpy, scipy, scikit-image 0.19):
    /usr/bin/python3 packages/hsi-data/scripts/make_metric_fixtures.py

For each real scene (see /work/shared/data/hsi/SOURCES.md) it writes, under
packages/hsi-data/fixtures/metrics/:
  <name>.gt.f32    a crop of the cube scaled to [0, 1], raw little-endian float32, BIP ([h, w, B] C order)
  <name>.pred.f32  a bicubic reconstruction of it (skimage resize down by the scale, then back up)
  <name>.json      shape, provenance, and the numbers computed here with scikit-image / numpy:
                   metrics under the 'sspsr' and 'mcnet' presets, percentiles, and (balloons only)
                   a Gaussian blur reference <name>.blur.f32 (balloons) and a MATLAB-bicubic
                   downsampling reference <name>.down.f32 (balloons, urban).
The metric numbers are computed from the float32 values written to disk (cast to float64), so the
TypeScript side reads exactly the same inputs.
"""
import json
import os

import numpy as np
import scipy.io as sio
from scipy import ndimage
from skimage.metrics import structural_similarity
from skimage.transform import resize

HSI = '/work/shared/data/hsi'
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'metrics')
EPS_MCNET = 2.2204e-16


def load_jasper():
    m = sio.loadmat(os.path.join(HSI, 'ricardoborsoi-MUA_SparseUnmixing/jasperRidge2_R198.mat'))
    return m['Y'].T.reshape(100, 100, 198, order='F').astype(np.float64)


def load_balloons():
    m = sio.loadmat(os.path.join(HSI, 'jicongfan-STP-Tensor-Completion/balloons_ms.mat'))
    return m['Omsi'].astype(np.float64)


def load_urban():
    m = sio.loadmat(os.path.join(HSI, 'ricardoborsoi-MultiscaleKernelSURelease/subimage_Urban_R162.mat'))
    return m['im'].astype(np.float64)


def bicubic_pair(gt, scale):
    h, w, _ = gt.shape
    lr = resize(gt, (round(h / scale), round(w / scale), gt.shape[2]), order=3, anti_aliasing=True, mode='symmetric')
    return resize(lr, gt.shape, order=3, anti_aliasing=False, mode='symmetric')


# ---- MATLAB imresize(x, 1/s, 'bicubic') written out from its documented algorithm (numpy) ----

def cubic(x):
    a = np.abs(x)
    return np.where(a <= 1, 1.5 * a ** 3 - 2.5 * a ** 2 + 1,
                    np.where(a <= 2, -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2, 0.0))


def imresize_matrix(in_len, out_len, scale):
    if scale < 1:
        width = 4.0 / scale
        kernel = lambda t: scale * cubic(scale * t)  # noqa: E731
    else:
        width = 4.0
        kernel = cubic
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    w = kernel(u[:, None] - idx)
    w /= w.sum(1, keepdims=True)
    aux = np.concatenate([np.arange(in_len), np.arange(in_len)[::-1]])
    src = aux[np.mod(idx - 1, 2 * in_len).astype(int)]
    m = np.zeros((out_len, in_len))
    np.add.at(m, (np.repeat(np.arange(out_len), taps), src.ravel()), w.ravel())
    return m


def matlab_downsample(cube, s):
    h, w, _ = cube.shape
    mr = imresize_matrix(h, int(np.ceil(h / s)), 1.0 / s)
    mc = imresize_matrix(w, int(np.ceil(w / s)), 1.0 / s)
    return np.einsum('Rr,rcb,Cc->RCb', mr, cube, mc)


# ---- reference metrics (float64, straight from the definitions) ----

def sspsr_metrics(gt, pred, scale, data_range=1.0):
    h, w, b = gt.shape
    mse_b = ((gt - pred) ** 2).reshape(-1, b).mean(0)
    mpsnr = float(np.mean(10 * np.log10(data_range ** 2 / mse_b)))
    ssims = [structural_similarity(gt[:, :, k], pred[:, :, k], win_size=7, data_range=data_range,
                                   gaussian_weights=False, use_sample_covariance=True) for k in range(b)]
    x = gt.reshape(-1, b)
    y = pred.reshape(-1, b)
    nx = np.linalg.norm(x, axis=1)
    ny = np.linalg.norm(y, axis=1)
    valid = (nx * ny) > 0
    cos = np.clip((x * y).sum(1)[valid] / (nx[valid] * ny[valid]), -1, 1)
    sam = float(np.degrees(np.arccos(cos)).mean())
    mean_b = x.mean(0)
    ergas = float(100.0 / scale * np.sqrt(np.mean(mse_b / mean_b ** 2)))
    ccs = [np.corrcoef(x[:, k], y[:, k])[0, 1] for k in range(b)]
    rmse = float(np.sqrt(np.mean((gt - pred) ** 2)))
    return {'mpsnr': mpsnr, 'mssim': float(np.mean(ssims)), 'sam': sam, 'ergas': ergas,
            'cc': float(np.mean(ccs)), 'rmse': rmse}


def mcnet_ssim_band(a, b, data_range):
    # Wang et al.'s ssim_index as MCNet's eval.py writes it: 11x11 Gaussian (sigma 1.5), 'valid',
    # population variances. Used only to cross-check scikit-image's gaussian variant below.
    g = np.exp(-(np.arange(-5, 6) ** 2) / (2 * 1.5 ** 2))
    win = np.outer(g, g)
    win /= win.sum()

    def f(z):
        from scipy.signal import convolve2d
        return convolve2d(z, np.rot90(win, 2), mode='valid')

    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    mu1, mu2 = f(a), f(b)
    s11 = f(a * a) - mu1 * mu1
    s22 = f(b * b) - mu2 * mu2
    s12 = f(a * b) - mu1 * mu2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
    return m.mean()


def mcnet_metrics(gt, pred, scale, data_range=1.0):
    base = sspsr_metrics(gt, pred, scale, data_range)
    h, w, b = gt.shape
    mse = np.mean((gt - pred) ** 2)
    psnr = float(10 * np.log10(data_range ** 2 / mse))
    ssims = [structural_similarity(gt[:, :, k], pred[:, :, k], data_range=data_range, gaussian_weights=True,
                                   sigma=1.5, use_sample_covariance=False) for k in range(b)]
    ssims_wang = [mcnet_ssim_band(gt[:, :, k], pred[:, :, k], data_range) for k in range(b)]
    assert abs(np.mean(ssims) - np.mean(ssims_wang)) < 1e-12, (np.mean(ssims), np.mean(ssims_wang))
    # MCNet's SAM: zeros replaced by eps, every pixel counted, NaN angles counted as 0.
    x = np.where(gt == 0, EPS_MCNET, gt).reshape(-1, b)
    y = np.where(pred == 0, EPS_MCNET, pred).reshape(-1, b)
    cos = (x * y).sum(1) / (np.sqrt((x * x).sum(1)) * np.sqrt((y * y).sum(1)) + EPS_MCNET)
    with np.errstate(invalid='ignore'):
        ang = np.arccos(cos)
    ang[np.isnan(ang)] = 0
    sam = float(np.degrees(ang.mean()))
    return {**base, 'mpsnr': psnr, 'mssim': float(np.mean(ssims)), 'sam': sam}


def write_case(name, source, crop_note, gt, scale, zero_gt=None, zero_pred=None, blur=None, down_bands=None):
    gt = gt.astype(np.float32)
    pred = np.clip(bicubic_pair(gt.astype(np.float64), scale), 0, None).astype(np.float32)
    # A few dead pixels (all-zero spectra) exercise the SAM rules; documented in the JSON.
    if zero_gt is not None:
        r, c = zero_gt
        gt[r:r + 2, c:c + 2, :] = 0
    if zero_pred is not None:
        r, c = zero_pred
        pred[r:r + 2, c:c + 2, :] = 0
    gt.astype('<f4').tofile(os.path.join(OUT, name + '.gt.f32'))
    pred.astype('<f4').tofile(os.path.join(OUT, name + '.pred.f32'))
    g64 = gt.astype(np.float64)
    p64 = pred.astype(np.float64)
    flat = g64.reshape(-1, gt.shape[2])
    meta = {
        'shape': list(gt.shape),
        'layout': 'bip float32 little-endian, C order [rows, cols, bands]',
        'source': source,
        'crop': crop_note,
        'scale': scale,
        'pred': 'skimage.transform.resize order=3 down (anti_aliasing) then up, clipped at 0',
        'zeroSpectraGt': zero_gt and [zero_gt[0], zero_gt[1], 2, 2],
        'zeroSpectraPred': zero_pred and [zero_pred[0], zero_pred[1], 2, 2],
        'metrics': {
            'sspsr': sspsr_metrics(g64, p64, scale),
            'mcnet': mcnet_metrics(g64, p64, scale),
            'sspsrRange2': sspsr_metrics(g64, p64, scale, data_range=2.0),
        },
        # numpy.percentile (linear interpolation) of the gt crop, global and per band.
        'percentiles': {
            'global': {'p2': float(np.percentile(g64, 2)), 'p98': float(np.percentile(g64, 98)),
                       'max': float(g64.max()), 'min': float(g64.min())},
            'perBand': {'p2': np.percentile(flat, 2, axis=0).tolist(), 'p98': np.percentile(flat, 98, axis=0).tolist(),
                        'max': flat.max(0).tolist(), 'min': flat.min(0).tolist()},
        },
    }
    if blur is not None:
        sigma, ksize, nb = blur
        radius = (ksize - 1) // 2
        ref = ndimage.gaussian_filter(g64[:, :, :nb], sigma=(sigma, sigma, 0), mode='reflect',
                                      truncate=radius / sigma)
        ref.astype('<f4').tofile(os.path.join(OUT, name + '.blur.f32'))
        meta['blur'] = {'sigma': sigma, 'kernelSize': ksize, 'bands': nb,
                        'file': name + '.blur.f32',
                        'how': "scipy.ndimage.gaussian_filter mode='reflect' (symmetric edges), first `bands` bands"}
    if down_bands is not None:
        lr = matlab_downsample(g64[:, :, :down_bands], scale)
        lr.astype('<f4').tofile(os.path.join(OUT, name + '.down.f32'))
        meta['down'] = {'scale': scale, 'bands': down_bands, 'shape': list(lr.shape), 'file': name + '.down.f32',
                        'how': "MATLAB imresize(x, 1/scale, 'bicubic') (antialiased) re-implemented in numpy, "
                               'of the gt crop (with its zeroed pixels), first `bands` bands'}
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(name, gt.shape, meta['metrics']['sspsr'])


def main():
    os.makedirs(OUT, exist_ok=True)
    jasper = load_jasper()
    jasper /= jasper.max()
    write_case('jasper', 'ricardoborsoi-MUA_SparseUnmixing/jasperRidge2_R198.mat (Y.T reshaped F order), / max',
               'rows 10:50, cols 20:56, bands 0:198:4', jasper[10:50, 20:56, 0:198:4], 2)
    balloons = load_balloons()
    balloons /= balloons.max()
    write_case('balloons', 'jicongfan-STP-Tensor-Completion/balloons_ms.mat (Omsi), / max',
               'rows 100:148, cols 80:120, all 31 bands', balloons[100:148, 80:120, :], 4,
               zero_gt=(5, 7), zero_pred=(30, 20), blur=(1.2, 7, 8), down_bands=8)
    urban = load_urban()
    urban /= urban.max()
    write_case('urban', 'ricardoborsoi-MultiscaleKernelSURelease/subimage_Urban_R162.mat (im), / max',
               'rows 0:34, cols 0:60, bands 0:162:3', urban[:, 0:60, 0:162:3], 3, down_bands=6)


if __name__ == '__main__':
    main()
