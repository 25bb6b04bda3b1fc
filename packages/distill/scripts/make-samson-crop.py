"""Cuts the small real-data fixture the trainer tests use: a 32 x 32 crop, 8 bands, of the Samson
scene (ENVI BSQ int16, see /work/shared/data/hsi/SOURCES.md), written as ENVI BSQ int16.

Source: github pekalam/hyperspectral-segmentation, samson_1.img (+ .hdr), commit 401306e3.
Usage: python3 scripts/make-samson-crop.py [path/to/samson_1.img]
"""
import hashlib
import os
import sys

import numpy as np

src = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/data/hsi/pekalam-hyperspectral-segmentation/samson_1.img'
rows = cols = 95
nb = 156
cube = np.fromfile(src, dtype='<i2').reshape(nb, rows, cols)  # BSQ
bands = list(range(8, 156, 19))[:8]  # 8 bands spread over 400-900 nm
r0, c0, n = 30, 30, 32
crop = np.ascontiguousarray(cube[bands, r0:r0 + n, c0:c0 + n])
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
os.makedirs(here, exist_ok=True)
crop.astype('<i2').tofile(os.path.join(here, 'samson-crop.img'))
hdr = f"""ENVI
description = {{Samson (pekalam/hyperspectral-segmentation samson_1.img @ 401306e3): rows {r0}-{r0 + n - 1}, cols {c0}-{c0 + n - 1}, bands {bands} (0-based)}}
samples = {n}
lines   = {n}
bands   = {len(bands)}
header offset = 0
file type = ENVI Standard
data type = 2
interleave = bsq
byte order = 0
"""
with open(os.path.join(here, 'samson-crop.img.hdr'), 'w') as f:
    f.write(hdr)
print('bands', bands, 'min', crop.min(), 'max', crop.max(), 'sha256', hashlib.sha256(crop.tobytes()).hexdigest()[:16])
