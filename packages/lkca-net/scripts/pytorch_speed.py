#!/usr/bin/env python3
"""Times the PyTorch peer of LKCA-Net (scripts/pytorch_reference.py) on CPU; prints one JSON line.
usage: pytorch_speed.py BANDS SCALE SIZE UPSAMPLER REPEATS THREADS [DEVICE]
DEVICE: cpu (default) or cuda; on cuda each run includes the copy of the output back to the host,
as a TF.js run includes its download."""
import json
import sys
import time

import torch

from pytorch_reference import LKCANet

bands, scale, size, up, repeats, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
device = sys.argv[7] if len(sys.argv) > 7 else 'cpu'
torch.set_num_threads(threads)
net = LKCANet(bands, scale, up=up).eval().to(device)
x = torch.rand(1, bands, size, size, device=device)


def run():
    y = net(x)
    if device != 'cpu':
        y.cpu()  # the result on the host, as TF.js's data() gives it


with torch.no_grad():
    run()
    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({'params': sum(p.numel() for p in net.parameters()), 'ms_median': times[len(times) // 2], 'threads': threads, 'device': device if device == 'cpu' else torch.cuda.get_device_name(), 'torch': torch.__version__}))
