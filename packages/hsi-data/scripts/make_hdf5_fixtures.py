#!/usr/bin/python3
"""HDF5 / NetCDF-4 test fixtures of @hsrkit/hsi-data, cut from a real cube (Jasper Ridge, AVIRIS).

Run once with Debian's python3 (numpy, h5py, python3-gdal):
    /usr/bin/python3 packages/hsi-data/scripts/make_hdf5_fixtures.py

Writes fixtures/io/hdf5/ in the layouts of the archives users bring, each made by that layout's own
library, and reference.json with what GDAL / h5py read back (shape, band axis, sampled values):
- emit_like.nc: NetCDF-4 written by libnetcdf (GDAL's multidimensional netCDF driver) the way NASA
  EMIT L2A files are: reflectance(downtrack, crosstrack, bands) float32 with _FillValue -9999 (some
  pixels filled), sensor_band_parameters/wavelengths(bands) in nanometers, 2-D lat/lon beside it.
- prisma_like.he5: HDF-EOS5-style HDF5 (h5py) the way ASI PRISMA L2D files are: VNIR and SWIR cubes
  as rows x bands x cols uint16 under HDFEOS/SWATHS/.../Data Fields, band centres as root
  attributes List_Cw_Vnir / List_Cw_Swir (two cubes: the reader must be told which).
- plain_bsq.h5: one bands x rows x cols float32 dataset, no names, no wavelengths (band axis found as
  the one axis far shorter than the others).
- ambiguous.h5: 10 x 12 x 9, no names: the band axis cannot be told.
- cf_packed.nc: NetCDF-4 (libnetcdf) of CF-packed data: int16 reflectance x 10000 with scale_factor
  1e-4, add_offset 0 and _FillValue -32768, dims (wavelength, y, x), a wavelength coordinate.
- links/: files whose cube lives in another file, which HDF5 would open silently and hsi-data
  refuses: vds.h5 (a virtual dataset over links/source.h5, by a relative path) and soft_to_external.h5
  (a soft link to an external link into source.h5), beside source.h5 itself (a plain cube); efl.h5,
  whose cube's raw data is the external file efl_raw.bin; external.mat, a MAT v7.3 variable that is
  an external link.
  `links()` writes only these: `python3 -c 'import make_hdf5_fixtures as m; m.links()'`.
Deterministic: the same inputs give the same values.
"""

import json
import os

import h5py
import numpy as np
from osgeo import gdal

gdal.UseExceptions()

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(PKG, 'fixtures', 'real', 'jasperRidge2_R198.img')
OUT = os.path.join(PKG, 'fixtures', 'io', 'hdf5')


def jasper():
    """rows x cols x bands float32 of the real Jasper Ridge cube (ENVI, read by GDAL)."""
    ds = gdal.Open(REAL)
    arr = ds.ReadAsArray().astype(np.float32)  # bands, rows, cols
    return np.transpose(arr, (1, 2, 0))


def samples(cube, n=24, seed=3):
    rows, cols, bands = cube.shape
    rng = np.random.default_rng(seed)
    picks = [(0, 0, 0), (rows - 1, cols - 1, bands - 1)]
    while len(picks) < n:
        picks.append((int(rng.integers(rows)), int(rng.integers(cols)), int(rng.integers(bands))))
    return [[r, c, b, float(cube[r, c, b])] for r, c, b in picks]


def emit_like(cube):
    """20 x 16 x 12 reflectance in [0, 1], the EMIT L2A layout, through libnetcdf."""
    sub = cube[10:30, 20:36, 0:180:15].copy() / 10000.0
    sub = sub.astype(np.float32)
    sub[3, 4, :] = -9999.0
    sub[7, 0, :] = -9999.0
    wl = np.linspace(381.0, 2493.0, 12).astype(np.float32)
    path = os.path.join(OUT, 'emit_like.nc')
    if os.path.exists(path):
        os.remove(path)
    drv = gdal.GetDriverByName('netCDF')
    ds = drv.CreateMultiDimensional(path, [], ['FORMAT=NC4'])
    root = ds.GetRootGroup()
    down = root.CreateDimension('downtrack', None, None, sub.shape[0])
    cross = root.CreateDimension('crosstrack', None, None, sub.shape[1])
    bands = root.CreateDimension('bands', None, None, sub.shape[2])
    f32 = gdal.ExtendedDataType.Create(gdal.GDT_Float32)
    refl = root.CreateMDArray('reflectance', [down, cross, bands], f32)
    refl.SetNoDataValueDouble(-9999.0)
    refl.Write(sub.tobytes())
    a = refl.CreateAttribute('units', [], gdal.ExtendedDataType.CreateString())
    a.Write('unitless')
    lat = root.CreateMDArray('lat', [down, cross], f32)
    lat.Write(np.full(sub.shape[:2], 37.4, np.float32).tobytes())
    lon = root.CreateMDArray('lon', [down, cross], f32)
    lon.Write(np.full(sub.shape[:2], -122.2, np.float32).tobytes())
    grp = root.CreateGroup('sensor_band_parameters')
    w = grp.CreateMDArray('wavelengths', [bands], f32)
    w.Write(wl.tobytes())
    u = w.CreateAttribute('units', [], gdal.ExtendedDataType.CreateString())
    u.Write('nanometers')
    fw = grp.CreateMDArray('fwhm', [bands], f32)
    fw.Write(np.full(sub.shape[2], 8.5, np.float32).tobytes())
    del ds
    # Read back through GDAL (libnetcdf), not from the array written.
    back = gdal.OpenEx(path, gdal.OF_MULTIDIM_RASTER).GetRootGroup().OpenMDArray('reflectance')
    got = np.frombuffer(back.Read(), np.float32).reshape(sub.shape)
    return {
        'file': 'emit_like.nc',
        'dataset': '/reflectance',
        'rows': sub.shape[0], 'cols': sub.shape[1], 'bands': sub.shape[2],
        'bandAxis': 2, 'bandAxisFrom': 'dimension name', 'interleave': 'bip',
        'sampleType': 'float32', 'noDataValue': -9999.0,
        'wavelengths': [float(x) for x in wl], 'wavelengthUnits': 'nanometers',
        'fwhm': [8.5] * int(sub.shape[2]),
        'samples': samples(got),
        'sum': float(got.astype(np.float64).sum()),
    }


def prisma_like(cube):
    """Two cubes, rows x bands x cols uint16, PRISMA L2D's layout and attributes."""
    vnir = np.round(cube[0:14, 0:18, 0:60:10]).astype(np.uint16)    # 14 x 18 x 6
    swir = np.round(cube[0:14, 0:18, 80:197:13]).astype(np.uint16)  # 14 x 18 x 9
    cw_vnir = np.linspace(402.0, 970.0, vnir.shape[2]).astype(np.float32)
    cw_swir = np.linspace(940.0, 2490.0, swir.shape[2]).astype(np.float32)
    path = os.path.join(OUT, 'prisma_like.he5')
    fields = 'HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields'
    with h5py.File(path, 'w') as f:
        f.attrs['List_Cw_Vnir'] = cw_vnir
        f.attrs['List_Cw_Swir'] = cw_swir
        f.attrs['List_Fwhm_Vnir'] = np.full(vnir.shape[2], 11.0, np.float32)
        f.attrs['List_Fwhm_Swir'] = np.full(swir.shape[2], 9.0, np.float32)
        f.attrs['Product_ID'] = np.bytes_('PRS_L2D_STD')
        g = f.create_group(fields)
        g.create_dataset('VNIR_Cube', data=np.transpose(vnir, (0, 2, 1)), chunks=(7, 6, 9), compression='gzip')
        g.create_dataset('SWIR_Cube', data=np.transpose(swir, (0, 2, 1)), chunks=(7, 9, 9), compression='gzip')
        geo = f.create_group('HDFEOS/SWATHS/PRS_L2D_HCO/Geolocation Fields')
        geo.create_dataset('Latitude', data=np.zeros((14, 18), np.float32))
    with h5py.File(path, 'r') as f:
        v = np.transpose(f[fields + '/VNIR_Cube'][()], (0, 2, 1))
        s = np.transpose(f[fields + '/SWIR_Cube'][()], (0, 2, 1))
    return {
        'file': 'prisma_like.he5',
        'candidates': ['/' + fields + '/SWIR_Cube', '/' + fields + '/VNIR_Cube'],
        'vnir': {
            'dataset': '/' + fields + '/VNIR_Cube', 'rows': 14, 'cols': 18, 'bands': v.shape[2],
            'bandAxis': 1, 'bandAxisFrom': 'wavelengths', 'interleave': 'bil', 'sampleType': 'uint16',
            'wavelengths': [float(x) for x in cw_vnir], 'fwhm': [11.0] * int(v.shape[2]),
            'samples': samples(v.astype(np.float64)),
        },
        'swir': {
            'dataset': '/' + fields + '/SWIR_Cube', 'rows': 14, 'cols': 18, 'bands': s.shape[2],
            'bandAxis': 1, 'bandAxisFrom': 'wavelengths', 'interleave': 'bil', 'sampleType': 'uint16',
            'wavelengths': [float(x) for x in cw_swir], 'fwhm': [9.0] * int(s.shape[2]),
            'samples': samples(s.astype(np.float64)),
        },
    }


def plain_bsq(cube):
    sub = cube[40:72, 50:74, 100:108].astype(np.float32)  # 32 x 24 x 8
    path = os.path.join(OUT, 'plain_bsq.h5')
    with h5py.File(path, 'w') as f:
        f.create_dataset('data/cube', data=np.transpose(sub, (2, 0, 1)))
    with h5py.File(path, 'r') as f:
        back = np.transpose(f['data/cube'][()], (1, 2, 0))
    amb = os.path.join(OUT, 'ambiguous.h5')
    with h5py.File(amb, 'w') as f:
        f.create_dataset('x', data=cube[0:10, 0:12, 0:9].astype(np.float32))
    return {
        'file': 'plain_bsq.h5', 'dataset': '/data/cube', 'rows': 32, 'cols': 24, 'bands': 8,
        'bandAxis': 0, 'bandAxisFrom': 'shortest axis', 'interleave': 'bsq', 'sampleType': 'float32',
        'samples': samples(back),
    }


def cf_packed(cube):
    sub = np.round(cube[60:76, 30:52, 10:190:20]).astype(np.int16)  # 16 x 22 x 9, DN ~ refl x 1e4
    sub[0, 0, :] = -32768
    bsq = np.ascontiguousarray(np.transpose(sub, (2, 0, 1)))
    wl = np.linspace(420.0, 2400.0, sub.shape[2])
    path = os.path.join(OUT, 'cf_packed.nc')
    if os.path.exists(path):
        os.remove(path)
    ds = gdal.GetDriverByName('netCDF').CreateMultiDimensional(path, [], ['FORMAT=NC4'])
    root = ds.GetRootGroup()
    dw = root.CreateDimension('wavelength', None, None, sub.shape[2])
    dy = root.CreateDimension('y', None, None, sub.shape[0])
    dx = root.CreateDimension('x', None, None, sub.shape[1])
    w = root.CreateMDArray('wavelength', [dw], gdal.ExtendedDataType.Create(gdal.GDT_Float64))
    w.Write(wl.tobytes())
    u = w.CreateAttribute('units', [], gdal.ExtendedDataType.CreateString())
    u.Write('nm')
    r = root.CreateMDArray('reflectance', [dw, dy, dx], gdal.ExtendedDataType.Create(gdal.GDT_Int16))
    r.SetNoDataValueDouble(-32768)
    r.SetScale(1e-4)
    r.SetOffset(0.0)
    r.Write(bsq.tobytes())
    del ds
    back = gdal.OpenEx(path, gdal.OF_MULTIDIM_RASTER).GetRootGroup().OpenMDArray('reflectance')
    got = np.transpose(np.frombuffer(back.Read(), np.int16).reshape(bsq.shape), (1, 2, 0))
    return {
        'file': 'cf_packed.nc', 'dataset': '/reflectance', 'rows': 16, 'cols': 22, 'bands': 9,
        'bandAxis': 0, 'bandAxisFrom': 'dimension name', 'interleave': 'bsq', 'sampleType': 'int16',
        'noDataValue': -32768, 'scaleFactor': float(back.GetScale()), 'addOffset': float(back.GetOffset()),
        'wavelengths': [float(x) for x in wl], 'samples': samples(got.astype(np.float64)),
    }


def links():
    d = os.path.join(OUT, 'links')
    os.makedirs(d, exist_ok=True)
    cube = (np.arange(6 * 5 * 4, dtype=np.float32).reshape(6, 5, 4) + 1) / 100
    with h5py.File(os.path.join(d, 'source.h5'), 'w') as f:
        f['cube'] = cube
        f['wavelength'] = np.array([450, 550, 650, 750], dtype=np.float32)
    with h5py.File(os.path.join(d, 'vds.h5'), 'w') as f:
        layout = h5py.VirtualLayout(shape=cube.shape, dtype='float32')
        layout[:] = h5py.VirtualSource('source.h5', 'cube', shape=cube.shape)  # relative to vds.h5
        f.create_virtual_dataset('cube', layout, fillvalue=-1)
        f['wavelength'] = np.array([450, 550, 650, 750], dtype=np.float32)
    with h5py.File(os.path.join(d, 'soft_to_external.h5'), 'w') as f:
        f['ext'] = h5py.ExternalLink('source.h5', '/')
        f['cube'] = h5py.SoftLink('/ext/cube')
    # A dataset whose raw data HDF5 keeps in another file (external storage, H5Pset_external): its
    # name is relative, so HDF5 looks for it beside the working directory, wherever that is.
    raw = (np.arange(6 * 5 * 4, dtype=np.float32) + 1000).reshape(6, 5, 4)
    raw.tofile(os.path.join(d, 'efl_raw.bin'))
    with h5py.File(os.path.join(d, 'efl.h5'), 'w') as f:
        f.create_dataset('cube', shape=raw.shape, dtype='float32', external=[('efl_raw.bin', 0, raw.nbytes)])
    # A MATLAB v7.3 file (HDF5 after a 512-byte text header) whose variable `cube` is an external link
    # into source.h5 and `local` a real 3-D double array.
    mat = os.path.join(d, 'external.mat')
    with h5py.File(mat, 'w', userblock_size=512) as f:
        f['cube'] = h5py.ExternalLink('source.h5', '/cube')
        f['local'] = np.ones((4, 5, 6), dtype=np.float64)
        f['local'].attrs['MATLAB_class'] = np.bytes_('double')
    with open(mat, 'r+b') as f:
        f.write(b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Dec  3 00:00:00 2026 HDF5 schema 1.00 .'.ljust(116) + b'\x00' * 8 + b'\x00\x02IM')
    # What HDF5 itself does with them (h5py opens the other file): the bytes hsi-data must not read.
    with h5py.File(os.path.join(d, 'vds.h5'), 'r') as f:
        assert np.array_equal(f['cube'][()], cube)


def main():
    os.makedirs(OUT, exist_ok=True)
    cube = jasper()
    ref = {'source': 'fixtures/real/jasperRidge2_R198.img (Jasper Ridge, AVIRIS, 100 x 100 x 198)',
           'emit': emit_like(cube), 'prisma': prisma_like(cube), 'plain': plain_bsq(cube),
           'cf': cf_packed(cube)}
    links()
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
        f.write('\n')
    print('wrote', sorted(os.listdir(OUT)))


if __name__ == '__main__':
    main()
