#!/usr/bin/python3
"""Build the I/O test fixtures of @hsrkit/hsi-data from the real scenes in /work/shared/data/hsi.

Run once with Debian's python3 (numpy, scipy, h5py, python3-gdal):
    /usr/bin/python3 packages/hsi-data/scripts/make_io_fixtures.py

It copies the real files the tests read into fixtures/real/, derives small fixtures from real cubes
into fixtures/io/ (ENVI of every data type / interleave / byte order, MAT v5 and v7.3, NPY, GeoTIFF),
and writes fixtures/io/reference.json: what independent readers (GDAL, scipy.io.loadmat, numpy,
h5py) see in every file - shape, dtype, min, max, sum, wavelengths and sampled values - which the
TypeScript readers are checked against. Deterministic: the same inputs give the same bytes.
"""

import hashlib
import json
import os
import shutil
import struct
import zlib

import h5py
import numpy as np
import scipy.io
from osgeo import gdal

gdal.UseExceptions()

SHARED = '/work/shared/data/hsi'
PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(PKG, 'fixtures', 'real')
IO = os.path.join(PKG, 'fixtures', 'io')

REAL_FILES = {
    'jasperRidge2_R198.img': 'pekalam-hyperspectral-segmentation/jasperRidge2_R198.img',
    'jasperRidge2_R198.hdr': 'pekalam-hyperspectral-segmentation/jasperRidge2_R198.hdr',
    'samson_1.img': 'pekalam-hyperspectral-segmentation/samson_1.img',
    'samson_1.img.hdr': 'pekalam-hyperspectral-segmentation/samson_1.img.hdr',
    'cubus_gamsberg_subset': 'EnMAP-Box-enmap-box/cubus_gamsberg_subset',
    'cubus_gamsberg_subset.hdr': 'EnMAP-Box-enmap-box/cubus_gamsberg_subset.hdr',
    'subimage_Urban_R162.mat': 'ricardoborsoi-MultiscaleKernelSURelease/subimage_Urban_R162.mat',
    'Moffett_vca.mat': 'ricardoborsoi-unmixing_spectral_variability/Moffett_vca.mat',
}


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def describe(cube, dtype_name, n_samples=20, seed=0):
    """Shape, dtype, stats and sampled (row, col, band, value) of a rows x cols x bands array."""
    rows, cols, bands = cube.shape
    rng = np.random.default_rng(seed)
    picks = [(0, 0, 0), (rows - 1, cols - 1, bands - 1), (0, cols - 1, bands // 2), (rows - 1, 0, 1 % bands)]
    while len(picks) < n_samples:
        picks.append((int(rng.integers(rows)), int(rng.integers(cols)), int(rng.integers(bands))))
    as64 = cube.astype(np.float64)
    return {
        'rows': rows,
        'cols': cols,
        'bands': bands,
        'dtype': dtype_name,
        'min': float(np.nanmin(as64)),
        'max': float(np.nanmax(as64)),
        'sum': float(np.nansum(as64)),
        'samples': [[r, c, b, float(cube[r, c, b])] for r, c, b in picks],
    }


DTYPE_NAMES = {
    np.dtype('int8'): 'int8', np.dtype('uint8'): 'uint8', np.dtype('int16'): 'int16', np.dtype('uint16'): 'uint16',
    np.dtype('int32'): 'int32', np.dtype('uint32'): 'uint32', np.dtype('int64'): 'int64', np.dtype('uint64'): 'uint64',
    np.dtype('float32'): 'float32', np.dtype('float64'): 'float64',
}


def dname(arr):
    return DTYPE_NAMES[arr.dtype.newbyteorder('=')]


def gdal_cube(path):
    """rows x cols x bands array and per-band wavelengths as GDAL reads them."""
    ds = gdal.Open(path)
    cube = np.stack([ds.GetRasterBand(k + 1).ReadAsArray() for k in range(ds.RasterCount)], axis=2)
    wl = []
    for k in range(ds.RasterCount):
        md = ds.GetRasterBand(k + 1).GetMetadata_Dict()
        if 'wavelength' in md:
            wl.append(float(md['wavelength']))
    return cube, wl


def wavelengths_ref(wl):
    if not wl:
        return None
    return {'count': len(wl), 'first': wl[0], 'last': wl[-1], 'at': [[k, wl[k]] for k in range(0, len(wl), 37)]}


def copy_real():
    os.makedirs(REAL, exist_ok=True)
    sums = {}
    for name, rel in REAL_FILES.items():
        dst = os.path.join(REAL, name)
        shutil.copyfile(os.path.join(SHARED, rel), dst)
        sums[name] = sha256(dst)
    return sums


# ---------------------------------------------------------------- ENVI variants (numpy + own headers)

ENVI_TYPES = {1: 'u1', 2: 'i2', 3: 'i4', 4: 'f4', 5: 'f8', 12: 'u2', 13: 'u4', 14: 'i8', 15: 'u8'}


def fit_to_type(crop, code):
    """The real crop mapped into the range of ENVI data type `code` (still real spatial/spectral structure)."""
    c = crop.astype(np.float64)
    if code == 1:
        return np.round((c - c.min()) / (c.max() - c.min()) * 255)
    if code in (12, 13, 15):
        return c - c.min() + (0 if code == 12 else 70000 if code == 13 else 5_000_000_000)
    if code == 3:
        return c * 1000 - 3_000_000
    if code == 14:
        return c * 1000 - 9_000_000_000
    if code in (4, 5):
        return c / 10000.0 - 0.01
    return c


def envi_interleave(cube, interleave):
    if interleave == 'bsq':
        return np.transpose(cube, (2, 0, 1))
    if interleave == 'bil':
        return np.transpose(cube, (0, 2, 1))
    return cube


def make_envi_variants(jasper, ref):
    out = os.path.join(IO, 'envi')
    os.makedirs(out, exist_ok=True)
    crop = jasper[10:15, 20:24, 30:37]  # 5 x 4 x 7, real values
    cases = []
    inter = ['bsq', 'bil', 'bip']
    for i, code in enumerate(ENVI_TYPES):
        for order in (0, 1):
            cases.append((code, inter[(i + order) % 3], order))
    for il in inter:
        for order in (0, 1):
            if ('i2', il, order) not in [(ENVI_TYPES[c], x, o) for c, x, o in cases]:
                cases.append((2, il, order))
    for code, il, order in cases:
        values = fit_to_type(crop, code).astype(ENVI_TYPES[code])
        arr = envi_interleave(values, il).astype(('<' if order == 0 else '>') + ENVI_TYPES[code])
        name = f't{code}_{il}_{"le" if order == 0 else "be"}'
        offset = 0 if code != 4 else 128
        with open(os.path.join(out, name + '.raw'), 'wb') as f:
            f.write(b'\xab' * offset)
            f.write(arr.tobytes(order='C'))
        # Headers in varied real-world styles: comments, odd spacing, key order, upper case values.
        lines = ['ENVI', '; written by make_io_fixtures.py from a 5x4x7 crop of Jasper Ridge']
        fields = [
            f'samples = {crop.shape[1]}', f'lines= {crop.shape[0]}', f'bands ={crop.shape[2]}',
            f'data type = {code}', f'interleave = {il.upper() if code % 2 else il}', f'byte order = {order}',
        ]
        if offset:
            fields.append(f'header offset = {offset}')
        if code % 3 == 0:
            fields.reverse()
        lines += fields
        wl = ref['jasper_envi_wavelengths'][30:37]
        lines.append('wavelength = {\n  ' + ',\n  '.join(f'{w:.6f}' for w in wl) + '}')
        with open(os.path.join(out, name + '.hdr'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        ref['files'][f'envi/{name}'] = {
            'path': f'io/envi/{name}.hdr', 'interleave': il, 'byteOrder': order, 'dataType': code, 'headerOffset': offset,
            'wavelengths': wavelengths_ref(wl), **describe(values, dname(values)),
        }


# ---------------------------------------------------------------- MAT v5 hand encoder (for what scipy cannot write)

MI = {'int8': 1, 'uint8': 2, 'int16': 3, 'uint16': 4, 'int32': 5, 'uint32': 6, 'single': 7, 'double': 9}
MX = {'double': 6, 'single': 7, 'int8': 8, 'uint8': 9, 'int16': 10, 'uint16': 11, 'int32': 12, 'uint32': 13}
NP = {'int8': 'i1', 'uint8': 'u1', 'int16': 'i2', 'uint16': 'u2', 'int32': 'i4', 'uint32': 'u4', 'single': 'f4', 'double': 'f8'}


def mat_element(e, mi_type, payload):
    pad = (8 - len(payload) % 8) % 8
    return struct.pack(e + 'II', mi_type, len(payload)) + payload + b'\0' * pad


def mat_matrix(e, name, array, mx_class, stored_type):
    """One miMATRIX of `array` (given in MATLAB's own dims) of class `mx_class`, data stored as `stored_type`."""
    flags = struct.pack(e + 'II', MX[mx_class], 0)
    dims = struct.pack(e + 'i' * array.ndim, *array.shape)
    body = mat_element(e, 6, flags) + mat_element(e, 5, dims) + mat_element(e, 1, name.encode())
    data = array.astype(e + NP[stored_type]).tobytes(order='F')  # MATLAB stores column-major
    body += mat_element(e, MI[stored_type], data)
    return struct.pack(e + 'II', 14, len(body)) + body


def mat_file(e, elements, compress):
    text = b'MATLAB 5.0 MAT-file, written by make_io_fixtures.py'.ljust(116, b' ')
    head = text + b'\0' * 8 + struct.pack(e + 'H', 0x0100) + (b'IM' if e == '<' else b'MI')
    out = head
    for el in elements:
        if compress:
            z = zlib.compress(el, 6)
            out += struct.pack(e + 'II', 15, len(z)) + z  # miCOMPRESSED is not padded
        else:
            out += el
    return out


def make_mat_v5(jasper_mat_y, urban, ref):
    out = os.path.join(IO, 'mat')
    os.makedirs(out, exist_ok=True)
    # 1. Jasper's layout as in the real .mat: Y (bands x pixels, class double stored as uint16),
    #    pixels column-major, nRow / nCol scalars. A 12 x 9 crop; little- and big-endian, zipped or not.
    full = jasper_mat_y.T.reshape(100, 100, 198, order='F')  # rows x cols x bands
    crop = full[40:52, 60:69, :]
    y = crop.reshape(12 * 9, 198, order='F').T  # 198 x 108
    for e, tag in (('<', 'le'), ('>', 'be')):
        for compress in (False, True):
            els = [
                mat_matrix(e, 'nRow', np.array([[12.0]]), 'double', 'uint8'),
                mat_matrix(e, 'nCol', np.array([[9.0]]), 'double', 'uint8'),
                mat_matrix(e, 'Y', y.astype(np.float64), 'double', 'uint16'),
            ]
            name = f'jasper_crop_{tag}{"_z" if compress else ""}.mat'
            with open(os.path.join(out, name), 'wb') as f:
                f.write(mat_file(e, els, compress))
            ref['files'][f'mat/{name}'] = {'path': f'io/mat/{name}', 'variable': 'Y', 'matrix': [198, 108],
                                           'pixelOrder': 'column-major', **describe(crop.astype(np.float64), 'float64')}
    # Check the encoder against scipy: what scipy reads back must be the crop.
    back = scipy.io.loadmat(os.path.join(out, 'jasper_crop_be_z.mat'))
    assert np.array_equal(back['Y'].T.reshape(12, 9, 198, order='F'), crop)

    # 2. Every numeric class, written by scipy (compressed and not), from a 4 x 5 x 6 crop of Urban.
    u = urban[3:7, 10:15, 20:26]  # float64 in [0, 0.635]
    scaled = u / urban.max()
    variables = {
        'c_double': u,
        'c_single': u.astype(np.float32),
        'c_int8': np.round(scaled * 254 - 127).astype(np.int8),
        'c_uint8': np.round(scaled * 255).astype(np.uint8),
        'c_int16': np.round(scaled * 60000 - 30000).astype(np.int16),
        'c_uint16': np.round(scaled * 65535).astype(np.uint16),
        'c_int32': np.round(scaled * 4e9 - 2e9).astype(np.int32),
        'c_uint32': np.round(scaled * 4e9).astype(np.uint32),
        'c_int64': np.round(scaled * 1e12 - 5e11).astype(np.int64),
        'c_uint64': np.round(scaled * 1e12).astype(np.uint64),
        'c_logical': scaled > 0.5,
    }
    extras = {
        'note': 'a char array the reader must skip',
        'meta': {'sensor': 'HYDICE', 'rows': 4},
        'pair': np.array([[1, 'two']], dtype=object),
        'flat': np.arange(12.0).reshape(3, 4),
    }
    for compress in (False, True):
        name = f'classes{"_z" if compress else ""}.mat'
        scipy.io.savemat(os.path.join(out, name), {**variables, **extras}, do_compression=compress, oned_as='column')
        back = scipy.io.loadmat(os.path.join(out, name))
        entry = {'path': f'io/mat/{name}', 'variables': {}}
        for k, v in variables.items():
            b = back[k]
            dn = 'logical' if b.dtype == np.bool_ else dname(b)
            entry['variables'][k] = describe(b.astype(np.uint8) if dn == 'logical' else b, dn)
        ref['files'][f'mat/{name}'] = entry

    # 3. A v5 file with no 3-D variable, for the error path.
    scipy.io.savemat(os.path.join(out, 'no_cube.mat'), {'flat': np.arange(12.0).reshape(3, 4), 'k': 3.0})


def make_mat_v73(balloons, ref):
    """MATLAB v7.3 layout: 512-byte userblock with the MATLAB text header, HDF5 datasets stored with
    reversed dims (MATLAB column-major == HDF5 row-major of the transposed array), MATLAB_class attrs."""
    out = os.path.join(IO, 'mat')
    crop = balloons[100:124, 60:80, :]  # 24 x 20 x 31 uint16 (real CAVE values)
    path = os.path.join(out, 'balloons_crop_v73.mat')
    with h5py.File(path, 'w', userblock_size=512, libver='earliest') as f:
        d = f.create_dataset('Omsi', data=np.ascontiguousarray(crop.transpose(2, 1, 0)))
        d.attrs.create('MATLAB_class', np.bytes_('uint16'))
        s = f.create_dataset('scale', data=np.array([[65535.0]]))
        s.attrs.create('MATLAB_class', np.bytes_('double'))
        wl = f.create_dataset('wavelengths', data=(400.0 + 10.0 * np.arange(31)).reshape(31, 1))
        wl.attrs.create('MATLAB_class', np.bytes_('double'))
    header = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 1970 HDF5 schema 1.00 .'
    header = header.ljust(116, b' ') + b'\0' * 8 + struct.pack('<H', 0x0200) + b'IM'
    with open(path, 'r+b') as f:
        f.write(header.ljust(512, b'\0'))
    with h5py.File(path, 'r') as f:
        assert np.array_equal(f['Omsi'][()].transpose(2, 1, 0), crop)
    ref['files']['mat/balloons_crop_v73.mat'] = {'path': 'io/mat/balloons_crop_v73.mat', 'variable': 'Omsi',
                                                 **describe(crop, 'uint16')}


def make_npy(samson, ref):
    out = os.path.join(IO, 'npy')
    os.makedirs(out, exist_ok=True)
    crop = samson[30:36, 40:45, 50:54].astype(np.float64)  # 6 x 5 x 4 int16 values
    conv = {
        'int8': lambda c: np.round(c / 6) - 100, 'uint8': lambda c: np.round(c / 6), 'int16': lambda c: c - 700,
        'uint16': lambda c: c * 40, 'int32': lambda c: c * 100000 - 50_000_000, 'uint32': lambda c: c * 2_000_000,
        'int64': lambda c: c * 10_000_000 - 7_000_000_000, 'uint64': lambda c: c * 20_000_000,
        'float32': lambda c: c / 1402.0, 'float64': lambda c: c / 1402.0 + 1e-12,
    }
    for dn, fn in conv.items():
        values = fn(crop).astype(dn)
        for endian in ('<', '>'):
            for order in ('C', 'F'):
                if dn in ('int8', 'uint8') and endian == '>':
                    continue
                name = f'{dn}_{"le" if endian == "<" else "be"}_{order}.npy'
                arr = np.asarray(values, dtype=values.dtype.newbyteorder(endian), order=order)
                arr = np.asfortranarray(arr) if order == 'F' else np.ascontiguousarray(arr)
                np.save(os.path.join(out, name), arr)
                ref['files'][f'npy/{name}'] = {'path': f'io/npy/{name}', **describe(values, dn)}
    # A 2-D array (not a cube) for the error path.
    np.save(os.path.join(out, 'flat_2d.npy'), np.zeros((3, 4), dtype='<f4'))


def make_geotiff(ref):
    out = os.path.join(IO, 'tiff')
    os.makedirs(out, exist_ok=True)
    src = gdal.Open(os.path.join(REAL, 'samson_1.img'))
    win = [20, 30, 40, 24]  # xoff, yoff, width, height: 24 rows x 40 cols x 156 bands int16
    variants = {
        'samson_pixel.tif': ['INTERLEAVE=PIXEL'],
        'samson_band.tif': ['INTERLEAVE=BAND'],
        'samson_tiled_deflate.tif': ['INTERLEAVE=PIXEL', 'TILED=YES', 'BLOCKXSIZE=16', 'BLOCKYSIZE=16', 'COMPRESS=DEFLATE'],
    }
    for name, opts in variants.items():
        path = os.path.join(out, name)
        gdal.Translate(path, src, srcWin=win, creationOptions=opts)
        cube, wl = gdal_cube(path)
        ref['files'][f'tiff/{name}'] = {'path': f'io/tiff/{name}', 'wavelengths': wavelengths_ref(wl),
                                        'creationOptions': opts, **describe(cube, dname(cube))}
    # Float32 band-interleaved from Gamsberg, tiled, no wavelengths (checks the no-metadata path).
    g = gdal.Open(os.path.join(REAL, 'cubus_gamsberg_subset'))
    path = os.path.join(out, 'gamsberg_float_nowl.tif')
    drv = gdal.GetDriverByName('GTiff')
    dst = drv.Create(path, g.RasterXSize, g.RasterYSize, 12, gdal.GDT_Float32, ['INTERLEAVE=BAND', 'TILED=YES', 'BLOCKXSIZE=16', 'BLOCKYSIZE=16'])
    for k in range(12):
        dst.GetRasterBand(k + 1).WriteArray(g.GetRasterBand(k + 1).ReadAsArray())
    dst = None
    cube, wl = gdal_cube(path)
    assert not wl
    ref['files']['tiff/gamsberg_float_nowl.tif'] = {'path': 'io/tiff/gamsberg_float_nowl.tif', 'wavelengths': None,
                                                    **describe(cube, dname(cube))}


def main():
    os.makedirs(IO, exist_ok=True)
    ref = {'generator': 'scripts/make_io_fixtures.py', 'readers': {
        'envi': f'GDAL {gdal.__version__}', 'mat': f'scipy {scipy.__version__}', 'v73': f'h5py {h5py.__version__}',
        'npy': f'numpy {np.__version__}'}, 'files': {}}
    ref['sha256'] = copy_real()

    jasper, wl = gdal_cube(os.path.join(REAL, 'jasperRidge2_R198.img'))
    ref['jasper_envi_wavelengths'] = wl
    ref['files']['real/jasper'] = {'path': 'real/jasperRidge2_R198.hdr', 'interleave': 'bil', 'byteOrder': 0,
                                   'dataType': 2, 'wavelengths': wavelengths_ref(wl), **describe(jasper, dname(jasper))}
    samson, wl = gdal_cube(os.path.join(REAL, 'samson_1.img'))
    ref['files']['real/samson'] = {'path': 'real/samson_1.img', 'interleave': 'bsq', 'byteOrder': 0, 'dataType': 2,
                                   'wavelengths': wavelengths_ref(wl), **describe(samson, dname(samson))}
    gams, wl = gdal_cube(os.path.join(REAL, 'cubus_gamsberg_subset'))
    ref['files']['real/gamsberg'] = {'path': 'real/cubus_gamsberg_subset', 'interleave': 'bsq', 'byteOrder': 0,
                                     'dataType': 4, 'wavelengths': wavelengths_ref(wl), **describe(gams, dname(gams))}

    urban = scipy.io.loadmat(os.path.join(REAL, 'subimage_Urban_R162.mat'))['im']
    ref['files']['real/urban'] = {'path': 'real/subimage_Urban_R162.mat', 'variable': 'im', **describe(urban, dname(urban))}
    moff = scipy.io.loadmat(os.path.join(REAL, 'Moffett_vca.mat'))
    moff_cube = moff['Y'].T.reshape(50, 50, 189)  # row-major pixel order (see SOURCES.md)
    ref['files']['real/moffett'] = {'path': 'real/Moffett_vca.mat', 'variable': 'Y', 'matrix': list(moff['Y'].shape),
                                    'pixelOrder': 'row-major', **describe(moff_cube, dname(moff_cube))}
    ref['files']['real/moffett_A_VCA'] = {'path': 'real/Moffett_vca.mat', 'variable': 'A_VCA',
                                          **describe(moff['A_VCA'], dname(moff['A_VCA']))}

    make_envi_variants(jasper, ref)
    jasper_mat = scipy.io.loadmat(os.path.join(SHARED, 'ricardoborsoi-MUA_SparseUnmixing/jasperRidge2_R198.mat'))['Y']
    make_mat_v5(jasper_mat, urban, ref)
    balloons = scipy.io.loadmat(os.path.join(SHARED, 'jicongfan-STP-Tensor-Completion/balloons_ms.mat'))['Omsi']
    make_mat_v73(balloons, ref)
    make_npy(samson, ref)
    make_geotiff(ref)

    with open(os.path.join(IO, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
