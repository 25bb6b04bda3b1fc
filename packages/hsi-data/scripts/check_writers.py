#!/usr/bin/python3
"""Open what the @hsrkit/hsi-data writers wrote (fixtures/io/written/) with independent readers - GDAL,
spectral-python, scipy.io.loadmat, numpy - and compare with the real source scenes as GDAL reads them.

    cd packages/hsi-data
    HSI_UPDATE_WRITER_FIXTURES=1 npx vitest run src/io/writers-vs-gdal.test.ts   # (re)write the files
    /usr/bin/python3 scripts/check_writers.py                                     # verify, write the verdict

Writes fixtures/io/writer-check.json: each file's sha256 and one entry per (file, reader) check.
The test src/io/writers-vs-gdal.test.ts requires today's writers to produce exactly these bytes, and
(under CI, or with HSRKIT_REQUIRE_GDAL_CHECK=1, or wherever these readers are installed) runs this
script live on freshly written files:

    /usr/bin/python3 scripts/check_writers.py --written DIR --out VERDICT.json

scipy is optional: without it the MAT file's check is left out (and the test says so).
"""

import argparse
import hashlib
import json
import os

import numpy as np
import spectral.io.envi as envi
from osgeo import gdal

try:
    import scipy
    import scipy.io
except ImportError:  # the MAT check needs it; the others do not
    scipy = None

gdal.UseExceptions()
PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(PKG, 'fixtures', 'real')
parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
parser.add_argument('--written', default=os.path.join(PKG, 'fixtures', 'io', 'written'),
                    help='folder of the files the writers wrote (default: the committed fixtures)')
parser.add_argument('--out', default=os.path.join(PKG, 'fixtures', 'io', 'writer-check.json'),
                    help='where to write the verdict (default: the committed writer-check.json)')
args = parser.parse_args()
WRITTEN = args.written


def gdal_cube(path):
    ds = gdal.Open(path)
    cube = np.stack([ds.GetRasterBand(k + 1).ReadAsArray() for k in range(ds.RasterCount)], axis=2)
    wl = [ds.GetRasterBand(k + 1).GetMetadata_Dict().get('wavelength') for k in range(ds.RasterCount)]
    wl = [float(w) for w in wl] if all(w is not None for w in wl) else None
    return cube, wl


gams, gams_wl = gdal_cube(os.path.join(REAL, 'cubus_gamsberg_subset'))
jasper_full, jasper_wl = gdal_cube(os.path.join(REAL, 'jasperRidge2_R198.img'))
samson_full, samson_wl = gdal_cube(os.path.join(REAL, 'samson_1.img'))
jasper = jasper_full[20:36, 30:42, :]
samson = samson_full[40:54, 10:28, :]

checks = []


def record(file, reader, expected, actual, wl_expected=None, wl_actual=None, dtype=None):
    detail = []
    ok = actual.shape == expected.shape
    detail.append(f'shape {actual.shape}')
    if ok:
        diff = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
        detail.append(f'max abs diff {diff}')
        ok = diff == 0.0
    if dtype is not None:
        detail.append(f'dtype {actual.dtype}')
        ok = ok and actual.dtype == np.dtype(dtype)
    if wl_expected is not None:
        same = wl_actual is not None and np.allclose(wl_actual, wl_expected, rtol=0, atol=1e-6)
        detail.append(f'wavelengths {"equal" if same else "DIFFER"}')
        ok = ok and same
    checks.append({'file': file, 'reader': reader, 'ok': bool(ok), 'detail': ', '.join(detail)})


# ENVI: GDAL and spectral-python. spectral divides by `reflectance scale factor` (Jasper: 10000), so
# its values are compared with the source divided by the same factor: that checks the factor was kept.
for name, hdr, expected, wl, dtype, scale in [
    ('gamsberg_bsq.img', 'gamsberg_bsq.hdr', gams, gams_wl, 'float32', None),
    ('jasper_bil_be.img', 'jasper_bil_be.hdr', jasper, jasper_wl, 'int16', 10000.0),
    ('samson_bip_f64', 'samson_bip_f64.hdr', samson, samson_wl, 'float64', None),
]:
    cube, got_wl = gdal_cube(os.path.join(WRITTEN, name))
    record(name, 'gdal', expected, cube, wl, got_wl, dtype=dtype)
    img = envi.open(os.path.join(WRITTEN, hdr), os.path.join(WRITTEN, name))
    arr = np.asarray(img.read_subregion((0, img.nrows), (0, img.ncols)))
    if scale is None:
        record(name, 'spectral', expected, arr, wl, list(img.bands.centers), dtype=dtype)
    else:
        record(name, 'spectral', expected.astype(np.float64) / scale, arr, wl, list(img.bands.centers))
        checks[-1]['detail'] += f', scale factor {img.scale_factor}'
        checks[-1]['ok'] = checks[-1]['ok'] and img.scale_factor == scale

# GeoTIFF: GDAL, with per-band wavelength metadata.
for name, expected, wl in [('samson_band.tif', samson, samson_wl), ('jasper_pixel.tif', jasper, jasper_wl)]:
    cube, got_wl = gdal_cube(os.path.join(WRITTEN, name))
    record(name, 'gdal', expected, cube, wl, got_wl, dtype='int16')
    ds = gdal.Open(os.path.join(WRITTEN, name))
    inter = ds.GetMetadata('IMAGE_STRUCTURE').get('INTERLEAVE')
    want = 'BAND' if name == 'samson_band.tif' else 'PIXEL'
    checks.append({'file': name, 'reader': 'gdal', 'ok': inter == want, 'detail': f'INTERLEAVE={inter}'})

# MAT v5: scipy.io.loadmat; the cube is rows x cols x bands as MATLAB holds it.
if scipy is not None:
    m = scipy.io.loadmat(os.path.join(WRITTEN, 'jasper.mat'))
    record('jasper.mat', 'scipy', jasper, m['jasper'], jasper_wl, m['wavelengths'].ravel().tolist(),
           dtype='int16')

# NPY: numpy.
record('gamsberg.npy', 'numpy', gams, np.load(os.path.join(WRITTEN, 'gamsberg.npy')), dtype='float32')

files = {}
for name in sorted(os.listdir(WRITTEN)):
    with open(os.path.join(WRITTEN, name), 'rb') as f:
        files[name] = hashlib.sha256(f.read()).hexdigest()
out = {'generator': 'scripts/check_writers.py', 'gdal': gdal.__version__,
       'scipy': scipy.__version__ if scipy is not None else None,
       'numpy': np.__version__, 'files': files, 'checks': checks}
with open(args.out, 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
for c in checks:
    print('OK ' if c['ok'] else 'BAD', c['reader'], c['file'], c['detail'])
