import copy

import torch

from ssg_train.config import PRESETS


def tiny_config():
    return copy.deepcopy(PRESETS['tiny'])


def fixed_batch(n=8, size=32, seg_dim=13, seed=0):
    """Images with structure (a disc of one class on a background) and their labels."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
    images = torch.zeros(n, 3, size, size, dtype=torch.uint8)
    labels = torch.zeros(n, size, size, dtype=torch.uint8)
    for i in range(n):
        cx, cy, r = [int(v) for v in torch.randint(8, size - 8, (3,), generator=g)]
        r = 4 + r % 6
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        k = 1 + i % (seg_dim - 1)
        labels[i][disc] = k
        bg = torch.randint(0, 255, (3,), generator=g, dtype=torch.uint8)
        fg = torch.randint(0, 255, (3,), generator=g, dtype=torch.uint8)
        images[i] = bg.view(3, 1, 1)
        images[i][:, disc] = fg.view(3, 1)
    return images, labels


def perturb(module, seed=3, scale=0.1):
    """Random non-zero values everywhere (biases, noise weights), so that tests exercise every term."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
