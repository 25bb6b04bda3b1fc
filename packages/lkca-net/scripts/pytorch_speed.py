#!/usr/bin/env python3
"""Times the PyTorch peer of LKCA-Net (scripts/pytorch_reference.py) on CPU; prints one JSON line.
usage: pytorch_speed.py BANDS SCALE SIZE UPSAMPLER REPEATS THREADS"""
import json
import sys
import time

import torch

from pytorch_reference import LKCANet

bands, scale, size, up, repeats, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
net = LKCANet(bands, scale, up=up).eval()
x = torch.rand(1, bands, size, size)
with torch.no_grad():
    net(x)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        net(x)
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({'params': sum(p.numel() for p in net.parameters()), 'ms_median': times[len(times) // 2], 'threads': threads, 'torch': torch.__version__}))
