"""Small shared operations of the network (docs/model/network.md section 3), written once."""
import math

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)
LRELU_SLOPE = 0.2
DEMOD_EPS = 1e-8


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, LRELU_SLOPE) * SQRT2


def make_kernel(k=(1, 3, 3, 1)) -> torch.Tensor:
    k = torch.tensor(k, dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum()


def upfirdn2d(x: torch.Tensor, k: torch.Tensor, up: int = 1, pad=(0, 0)) -> torch.Tensor:
    """Zero-insert `up`, pad (p0, p1), convolve each channel with k (flipped: a true convolution)."""
    B, C, H, W = x.shape
    if up > 1:
        x = x.view(B, C, H, 1, W, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.view(B, C, H * up, W * up)
    p0, p1 = pad
    x = F.pad(x, [p0, p1, p0, p1])
    kh, kw = k.shape
    w = torch.flip(k, [0, 1]).to(x.dtype).view(1, 1, kh, kw).expand(C, 1, kh, kw)
    return F.conv2d(x, w, groups=C)


def pixel_norm(x: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt((x * x).mean(1, keepdim=True) + 1e-8)


def fourier_features(size: int, side: int) -> torch.Tensor:
    """[1, 2(2L+1), side, side]: coords, then sin/cos of 2^i * coords (docs/model/network.md section 3, positional input)."""
    lin = torch.linspace(-1, 1, side)
    coords = torch.stack([lin.view(1, -1).expand(side, side), lin.view(-1, 1).expand(side, side)], 0)[None]
    feats = [coords]
    for i in range(int(math.log2(size))):
        f = 2.0 ** i
        feats += [torch.sin(f * coords), torch.cos(f * coords)]
    return torch.cat(feats, 1)
