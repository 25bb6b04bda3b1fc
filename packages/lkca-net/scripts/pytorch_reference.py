#!/usr/bin/env python3
"""PyTorch copy of LKCA-Net as docs/ARCHITECTURE.md ("The method as built") specifies it: the
layout reference for loading PyTorch weights, and the speed/size peer. Writes fixtures for packages/lkca-net tests:
  fixtures/pytorch/params.json                 param counts of the design configs (B=128, s=4)
  fixtures/pytorch/<kind>.safetensors          weights of a small net per upsampler kind
  fixtures/pytorch/<kind>.input.f32 / .output.f32   NHWC float32 input and PyTorch's output
Run with Debian's python3-torch:  /usr/bin/python3 scripts/pytorch_reference.py
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'pytorch')


def cubic(x):
    """Keys cubic, a = -0.5 (MATLAB imresize)."""
    ax = np.abs(x)
    ax2, ax3 = ax ** 2, ax ** 3
    return (1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1) + (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2))


def imresize_matrix(in_len, out_len, scale):
    """Dense (out_len x in_len) matrix of MATLAB imresize's bicubic contributions(), symmetric edges."""
    if scale < 1:
        h = lambda x: scale * cubic(scale * x)
        kw = 4.0 / scale
    else:
        h = cubic
        kw = 4.0
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kw / 2)
    p = int(np.ceil(kw)) + 2
    ind = left[:, None] + np.arange(p)[None, :]
    w = h(u[:, None] - ind)
    w = w / w.sum(1, keepdims=True)
    aux = np.concatenate([np.arange(1, in_len + 1), np.arange(in_len, 0, -1)])
    ind = aux[np.mod(ind - 1, len(aux)).astype(int)] - 1
    m = np.zeros((out_len, in_len))
    for i in range(out_len):
        for j in range(p):
            m[i, ind[i, j]] += w[i, j]
    return m


class LKB(nn.Module):
    def __init__(self, c, k=3, dilations=(5, 7), groups=4, reduction=16):
        super().__init__()
        self.dw = nn.ModuleList([nn.Conv2d(c, c, k, padding=d * (k - 1) // 2, dilation=d, groups=c) for d in dilations])
        self.fuse = nn.Conv2d(c * (len(dilations) + 1), c, 1, groups=groups)
        self.ca_down = nn.Conv2d(c, c // reduction, 1)
        self.ca_up = nn.Conv2d(c // reduction, c, 1)

    def forward(self, x):
        n, c, hh, ww = x.shape
        stages, a = [x], x
        for dw in self.dw:
            a = dw(a)
            stages.append(a)
        m = torch.stack(stages, dim=2).reshape(n, c * len(stages), hh, ww)  # channel c*T + t
        f = F.gelu(self.fuse(m))
        att = torch.sigmoid(self.ca_up(F.relu(self.ca_down(f.mean((2, 3), keepdim=True)))))
        return x + f * att


class LKCANet(nn.Module):
    def __init__(self, bands, scale, c=64, blocks=4, up='conv', groups=8, rank=16, reduction=16, fusion_groups=4):
        super().__init__()
        self.scale = scale
        self.head = nn.Conv2d(bands, c, 3, padding=1)
        self.blocks = nn.ModuleList([LKB(c, groups=fusion_groups, reduction=reduction) for _ in range(blocks)])
        self.body = nn.Conv2d(c, c, 3, padding=1)
        out = bands * scale * scale
        if up == 'conv':
            self.up = nn.Conv2d(c, out, 3, padding=1)
        elif up == 'group':
            self.up = nn.Conv2d(c, out, 3, padding=1, groups=groups)
        else:
            self.up = nn.Sequential(nn.Conv2d(c, rank, 3, padding=1, bias=False), nn.Conv2d(rank, out, 1))

    def forward(self, x):
        f0 = self.head(x)
        f = f0
        for b in self.blocks:
            f = b(f)
        f = self.body(f) + f0
        y = F.pixel_shuffle(self.up(f), self.scale)
        n, bands, h, w = x.shape
        s = self.scale
        mh = torch.tensor(imresize_matrix(h, h * s, s), dtype=x.dtype, device=x.device)
        mw = torch.tensor(imresize_matrix(w, w * s, s), dtype=x.dtype, device=x.device)
        bic = torch.einsum('ih,nbhw,jw->nbij', mh, x, mw)
        return y + bic


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().numpy().astype('<f4')
        b = a.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    os.makedirs(OUT, exist_ok=True)
    counts = {}
    for up in ('conv', 'group', 'svd'):
        net = LKCANet(128, 4, up=up)
        counts[up] = sum(p.numel() for p in net.parameters())
    counts['teacher_conv'] = sum(p.numel() for p in LKCANet(128, 4, blocks=8).parameters())
    counts['lkb_c64'] = sum(p.numel() for p in LKB(64).parameters())
    with open(os.path.join(OUT, 'params.json'), 'w') as f:
        json.dump({'bands': 128, 'scale': 4, 'channels': 64, 'params': counts}, f, indent=2)
    print('params', counts)

    small = dict(bands=6, scale=2, c=16, blocks=2, groups=4, rank=5, reduction=4, fusion_groups=4)
    for up in ('conv', 'group', 'svd'):
        torch.manual_seed({'conv': 1, 'group': 2, 'svd': 3}[up])
        net = LKCANet(small['bands'], small['scale'], c=small['c'], blocks=small['blocks'], up=up,
                      groups=small['groups'], rank=small['rank'], reduction=small['reduction'],
                      fusion_groups=small['fusion_groups']).eval()
        # Non-trivial biases so a layout slip shows.
        with torch.no_grad():
            for name, p in net.named_parameters():
                if name.endswith('bias'):
                    p.uniform_(-0.1, 0.1)
        x = torch.rand(1, small['bands'], 11, 13)
        with torch.no_grad():
            y = net(x)
        save_safetensors(os.path.join(OUT, f'{up}.safetensors'), net.state_dict())
        x.permute(0, 2, 3, 1).contiguous().numpy().astype('<f4').tofile(os.path.join(OUT, f'{up}.input.f32'))
        y.permute(0, 2, 3, 1).contiguous().numpy().astype('<f4').tofile(os.path.join(OUT, f'{up}.output.f32'))
        print(up, 'output', tuple(y.shape), float(y.abs().max()))
    with open(os.path.join(OUT, 'small-config.json'), 'w') as f:
        json.dump({**small, 'inputShape': [1, 11, 13, small['bands']]}, f, indent=2)


if __name__ == '__main__':
    main()
