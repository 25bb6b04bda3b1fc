#!/usr/bin/env python3
"""PyTorch peer of `lkca train`'s step, for bench/train-step.bench.ts: the same LKCA-Net
(scripts/pytorch_reference.py), L1 loss, gradient-norm clipping at 1, one Adam step.

Runs as a server so the benchmark can time it in turns with TF.js in one run: each stdin line is a
JSON request {"bands", "scale", "lr", "upsampler", "batch", "threads", "warmup", "steps"} and an
optional "device" ("cpu", the default, or "cuda": scripts/gpu-train-bench.ts); each
answer is one JSON line with the mean ms per step over `steps` steps after `warmup` steps (the
same net and optimizer are reused between requests of the same spec, as one training run would).
Run with Debian's python3-torch: /usr/bin/python3 bench/pytorch_train_step.py
"""
import json
import os
import sys
import time

import torch

# pytorch_reference.py: in ../scripts in the repo, beside this file in the GPU bundle.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, '..', 'scripts')]
from pytorch_reference import LKCANet  # noqa: E402

runs = {}


def run_for(req):
    device = req.get('device', 'cpu')
    key = (req['bands'], req['scale'], req['lr'], req['upsampler'], req['batch'], device)
    if key not in runs:
        bands, scale, lr, up, batch, _ = key
        torch.manual_seed(0)
        net = LKCANet(bands, scale, up=up).train().to(device)
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)
        x = torch.rand(batch, bands, lr, lr, device=device)
        y = torch.rand(batch, bands, lr * scale, lr * scale, device=device)
        runs[key] = (net, opt, x, y)
    return runs[key]


def step(net, opt, x, y):
    opt.zero_grad(set_to_none=True)
    loss = torch.mean(torch.abs(net(x) - y))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    # float() waits for the device, as the TF.js trainer reads each step's loss back.
    return float(loss)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        torch.set_num_threads(req['threads'])
        net, opt, x, y = run_for(req)
        for _ in range(req['warmup']):
            step(net, opt, x, y)
        t0 = time.perf_counter()
        loss = 0.0
        for _ in range(req['steps']):
            loss = step(net, opt, x, y)
        ms = (time.perf_counter() - t0) * 1000 / req['steps']
        print(json.dumps({
            'ms_per_step': ms,
            'loss': loss,
            'threads': torch.get_num_threads(),
            'params': sum(p.numel() for p in net.parameters()),
            'torch': torch.__version__,
            'device': torch.cuda.get_device_name(0) if x.is_cuda else 'cpu',
        }), flush=True)


if __name__ == '__main__':
    main()
