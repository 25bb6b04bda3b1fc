#!/usr/bin/python3
"""Reference fixtures for @hsrkit/layers bicubic resize (MATLAB imresize, 'bicubic').

An independent numpy port written from the definition of MATLAB's imresize:
  - cubic(): Keys' kernel with a = -0.5, support [-2, 2] (kernel width 4);
  - contributions(): u = x/scale + 0.5*(1 - 1/scale) for output pixel x (1-based),
    left = floor(u - width/2), P = ceil(width) + 2 taps, weights normalised to sum 1 per output
    pixel; when downscaling with antialiasing the kernel is h(x) = scale*cubic(scale*x) and the
    width is 4/scale;
  - symmetric edges: index i maps through aux = [1..in, in..1] with mod(i-1, 2*in);
  - all-zero weight columns are dropped (as MATLAB does);
  - separable: one dimension at a time, the dimension with the smaller scale first (MATLAB's
    order), applied as a gather of the (index, weight) table per output pixel - not as a dense
    matrix, so it shares no code path with the TypeScript implementation.
Output size when a scale is given: ceil(in*scale), weights use the given scale (MATLAB
imresize(A, scale)); when a size is given, scale = out/in per dimension.

Inputs are small crops of real scenes (Jasper Ridge `Y`, CAVE balloons `Omsi`) scaled to [0, 1]
and rounded to float32; the reference is computed in float64 from those float32 values.

Run from the repository root:  /usr/bin/python3 packages/layers/scripts/make_bicubic_fixtures.py
Writes packages/layers/fixtures/bicubic/{manifest.json, <case>.in.f32, <case>.out.f32}
(.f32 = little-endian float32, NHWC with n = 1, i.e. row-major [h, w, c]).
"""

import json
import math
import os

import numpy as np
import scipy.io as sio

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, '..', 'fixtures', 'bicubic')
DATA = '/work/shared/data/hsi'


def cubic(x):
    absx = np.abs(x)
    absx2 = absx ** 2
    absx3 = absx ** 3
    return (1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1) + (
        -0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2
    ) * ((1 < absx) & (absx <= 2))


def contributions(in_length, out_length, scale, kernel_width=4.0, antialiasing=True):
    """MATLAB's contributions(): (weights [out, P], 1-based indices [out, P])."""
    if scale < 1 and antialiasing:
        def h(x):
            return scale * cubic(scale * x)
        kernel_width = kernel_width / scale
    else:
        h = cubic
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    p = int(math.ceil(kernel_width)) + 2
    indices = left[:, None] + np.arange(p, dtype=np.float64)[None, :]
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(axis=1, keepdims=True)
    aux = np.concatenate([np.arange(1, in_length + 1), np.arange(in_length, 0, -1)])
    indices = aux[np.mod(indices - 1, len(aux)).astype(np.int64)]
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], indices[:, keep]


def resize_along(a, dim, out_length, scale, antialiasing):
    weights, indices = contributions(a.shape[dim], out_length, scale, 4.0, antialiasing)
    a = np.moveaxis(a, dim, 0)
    out = np.zeros((out_length,) + a.shape[1:], dtype=np.float64)
    for i in range(out_length):
        for k in range(weights.shape[1]):
            out[i] += weights[i, k] * a[indices[i, k] - 1]
    return np.moveaxis(out, 0, dim)


def imresize(img, scale=None, size=None, antialiasing=True):
    """img [h, w, c] float64. scale: number or (row, col); size: (rows, cols)."""
    in_size = img.shape[:2]
    if size is not None:
        out_size = tuple(int(s) for s in size)
        scales = tuple(o / i for o, i in zip(out_size, in_size))
    else:
        scales = (scale, scale) if np.isscalar(scale) else tuple(scale)
        out_size = tuple(int(math.ceil(s * i)) for s, i in zip(scales, in_size))
    order = (0, 1) if scales[0] <= scales[1] else (1, 0)
    out = img.astype(np.float64)
    for d in order:
        out = resize_along(out, d, out_size[d], scales[d], antialiasing)
    return out


def dense_weights(in_length, out_length, scale, antialiasing):
    """The (out x in) matrix the table stands for (repeated mirrored indices add up)."""
    weights, indices = contributions(in_length, out_length, scale, 4.0, antialiasing)
    m = np.zeros((out_length, in_length))
    for i in range(out_length):
        for k in range(weights.shape[1]):
            m[i, indices[i, k] - 1] += weights[i, k]
    return m


def load_scenes():
    jasper = sio.loadmat(os.path.join(DATA, 'ricardoborsoi-MUA_SparseUnmixing/jasperRidge2_R198.mat'))
    y = jasper['Y'].astype(np.float64)  # (198, 10000), MATLAB column-major pixel order
    jasper_cube = y.T.reshape(100, 100, 198, order='F')
    jasper_cube = jasper_cube / jasper_cube.max()
    balloons = sio.loadmat(os.path.join(DATA, 'jicongfan-STP-Tensor-Completion/balloons_ms.mat'))
    b = balloons['Omsi'].astype(np.float64)  # (256, 256, 31)
    b = b / b.max()
    return {'jasper': jasper_cube, 'balloons': b}


# name, scene, top, left, h, w, bands, scale | size, antialias
CASES = [
    ('down_x1_2', 'jasper', 10, 20, 40, 36, [20, 60, 120], {'scale': 0.5}),
    ('down_x1_3', 'jasper', 40, 30, 45, 39, [10, 80, 150], {'scale': 1 / 3}),
    ('down_x1_4', 'balloons', 100, 90, 48, 44, [5, 15, 25], {'scale': 0.25}),
    ('down_x1_8', 'balloons', 60, 120, 64, 72, [10, 30], {'scale': 0.125}),
    ('up_x2', 'jasper', 55, 60, 12, 10, [30, 90, 170], {'scale': 2}),
    ('up_x3', 'balloons', 140, 100, 11, 13, [3, 12, 28], {'scale': 3}),
    ('up_x4', 'jasper', 70, 5, 10, 9, [45, 100], {'scale': 4}),
    ('scale_0_37', 'balloons', 30, 40, 30, 26, [8, 18, 22], {'scale': 0.37}),
    ('scale_1_7', 'jasper', 25, 75, 13, 11, [15, 65, 190], {'scale': 1.7}),
    ('rows_1_2_cols_1_4', 'balloons', 180, 10, 32, 40, [6, 20], {'scale': [0.5, 0.25]}),
    ('rows_x2_cols_1_2', 'jasper', 5, 50, 14, 30, [25, 130], {'scale': [2, 0.5]}),
    ('rows_x1_5_cols_x3', 'balloons', 200, 200, 9, 7, [11, 27], {'scale': [1.5, 3]}),
    ('size_17x23', 'jasper', 50, 40, 40, 30, [35, 110], {'size': [17, 23]}),
    ('size_25x9', 'balloons', 80, 160, 12, 20, [4, 16], {'size': [25, 9]}),
    ('down_x1_4_no_antialias', 'balloons', 120, 30, 40, 40, [9, 24], {'scale': 0.25, 'antialias': False}),
    ('tiny_6x5_x1_8', 'jasper', 90, 90, 6, 5, [50, 160], {'scale': 0.125}),
]

# in, out, scale, antialias: dense weight matrices checked directly.
WEIGHT_CASES = [
    (10, 5, 0.5, True),
    (7, 12, 1.7, True),
    (6, 1, 0.125, True),
    (9, 4, 0.37, False),
    (9, 4, 0.37, True),
    (4, 16, 4, True),
    (3, 7, 7 / 3, True),
]


def write_atomic(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    scenes = load_scenes()
    manifest = {
        'generator': 'packages/layers/scripts/make_bicubic_fixtures.py (numpy port of MATLAB imresize bicubic)',
        'layout': 'little-endian float32, row-major [h, w, c] (one image, NHWC with n = 1)',
        'cases': [],
        'weights': [],
    }
    for name, scene, top, left, h, w, bands, opts in CASES:
        crop = scenes[scene][top:top + h, left:left + w, bands]
        assert crop.shape == (h, w, len(bands)), (name, crop.shape)
        x32 = crop.astype(np.float32)
        antialias = opts.get('antialias', True)
        ref = imresize(x32.astype(np.float64), scale=opts.get('scale'), size=opts.get('size'),
                       antialiasing=antialias)
        write_atomic(os.path.join(OUT_DIR, name + '.in.f32'), x32.astype('<f4').tobytes())
        write_atomic(os.path.join(OUT_DIR, name + '.out.f32'), ref.astype('<f4').tobytes())
        entry = {
            'name': name,
            'source': f'{scene} rows {top}:{top + h} cols {left}:{left + w} bands {bands} (0-based)',
            'inShape': [h, w, len(bands)],
            'outShape': list(ref.shape),
            'antialias': antialias,
        }
        if 'scale' in opts:
            entry['scale'] = opts['scale']
        else:
            entry['size'] = opts['size']
        manifest['cases'].append(entry)
        print(f'{name}: {crop.shape} -> {ref.shape}, range [{ref.min():.4f}, {ref.max():.4f}]')
    for in_len, out_len, scale, aa in WEIGHT_CASES:
        m = dense_weights(in_len, out_len, scale, aa)
        manifest['weights'].append({
            'inLen': in_len, 'outLen': out_len, 'scale': scale, 'antialias': aa,
            'values': [float(v) for v in m.ravel()],
        })
    write_atomic(os.path.join(OUT_DIR, 'manifest.json'),
                 (json.dumps(manifest, indent=1) + '\n').encode())


if __name__ == '__main__':
    main()
