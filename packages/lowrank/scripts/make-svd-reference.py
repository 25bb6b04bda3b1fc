"""Reference singular values for src/analyze-layer.test.ts, computed with numpy (LAPACK).

Each case stores a kernel (in TF.js layout) and numpy's singular values of its flat and spatial
matrices, built here with numpy reshapes/transposes independently of the TypeScript index code.
Run: python3 scripts/make-svd-reference.py  (writes fixtures/svd-reference.json)
"""
import json
import os

import numpy as np

rng = np.random.RandomState(20251125)


def sv(m):
    return np.linalg.svd(np.asarray(m, dtype=np.float64), compute_uv=False).tolist()


cases = {}

# Conv2D [kh, kw, Cin, Cout]; given a low-rank-plus-noise structure so the spectrum has a tail.
w = (rng.randn(36, 2) @ rng.randn(2, 6) + 0.05 * rng.randn(36, 6)).reshape(3, 3, 4, 6).astype(np.float32)
cases['conv2d'] = dict(
    shape=list(w.shape),
    kernel=w.ravel().tolist(),
    flat=sv(w.reshape(3 * 3 * 4, 6)),
    spatial=sv(w.transpose(0, 2, 1, 3).reshape(3 * 4, 3 * 6)),
)

# Dense [Cin, Cout].
w = rng.randn(10, 7).astype(np.float32)
cases['dense'] = dict(shape=list(w.shape), kernel=w.ravel().tolist(), flat=sv(w))

# Conv2DTranspose [kh, kw, Cout, Cin] with Cout=6, Cin=4.
w = rng.randn(3, 3, 6, 4).astype(np.float32)
wt = w.transpose(0, 1, 3, 2)  # [kh, kw, Cin, Cout]
cases['conv2dTranspose'] = dict(
    shape=list(w.shape),
    kernel=w.ravel().tolist(),
    flat=sv(wt.reshape(3 * 3 * 4, 6)),
    spatial=sv(wt.transpose(0, 2, 1, 3).reshape(3 * 4, 3 * 6)),
)

# DepthwiseConv2D [kh, kw, C, m] with C=5, m=2.
w = rng.randn(3, 3, 5, 2).astype(np.float32)
cases['depthwise'] = dict(
    shape=list(w.shape),
    kernel=w.ravel().tolist(),
    flat=sv(w.reshape(9, 10)),
    spatial=sv(w.transpose(0, 2, 3, 1).reshape(3, 10 * 3)),
)

# Grouped conv [kh, kw, Cin/g, Cout] with g=3, Cin=6, Cout=9: the singular values of the dense,
# block-diagonal equivalent kernel [kh, kw, Cin, Cout] (zeros dropped).
g, cin, cout = 3, 6, 9
w = rng.randn(3, 3, cin // g, cout).astype(np.float32)
dense = np.zeros((3, 3, cin, cout), dtype=np.float64)
for j in range(g):
    dense[:, :, j * 2:(j + 1) * 2, j * 3:(j + 1) * 3] = w[:, :, :, j * 3:(j + 1) * 3]
s = np.linalg.svd(dense.reshape(9 * cin, cout), compute_uv=False)
cases['grouped'] = dict(shape=list(w.shape), groups=g, kernel=w.ravel().tolist(), denseFlat=s.tolist())

out = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'svd-reference.json')
with open(out + '.tmp', 'w') as f:
    json.dump(dict(generatedBy='scripts/make-svd-reference.py (numpy %s)' % np.__version__, cases=cases), f)
os.replace(out + '.tmp', out)
print('wrote', out)
