"""The dual-branch discriminator (seed Fig. 2): a StyleGAN2 residual discriminator on the image and
a symmetric one on the segmentation (class probabilities), each with minibatch-stddev and its own
head; the logit is their sum. Fine-tuning drops the segmentation branch (seed A.2), leaving a
StyleGAN2 image discriminator."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .ops import lrelu


class EqualConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, k: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale = 1 / math.sqrt(cin * k * k)
        self.pad = k // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.pad)


class EqualLinear(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = 1 / math.sqrt(cin)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class ResBlock(nn.Module):
    """conv3x3, conv3x3 + 2x downsample, 1x1 skip; downsampling by average pooling."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = EqualConv2d(cin, cin, 3)
        self.conv2 = EqualConv2d(cin, cout, 3)
        self.skip = EqualConv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        y = lrelu(self.conv1(x))
        y = F.avg_pool2d(lrelu(self.conv2(y)), 2)
        return (y + F.avg_pool2d(self.skip(x), 2)) / math.sqrt(2)


def channels(side: int, base: int) -> int:
    return min(512, base * max(1, 256 // side))


class Branch(nn.Module):
    def __init__(self, size: int, in_ch: int, base: int):
        super().__init__()
        self.from_input = EqualConv2d(in_ch, channels(size, base), 1)
        blocks, side = [], size
        while side > 4:
            blocks.append(ResBlock(channels(side, base), channels(side // 2, base)))
            side //= 2
        self.blocks = nn.Sequential(*blocks)
        c4 = channels(4, base)
        self.final_conv = EqualConv2d(c4 + 1, c4, 3)
        self.final_linear = EqualLinear(c4 * 16, c4)
        self.head = EqualLinear(c4, 1)

    def forward(self, x):
        x = self.blocks(lrelu(self.from_input(x)))
        # minibatch standard deviation (groups of up to 4)
        B, C, H, W = x.shape
        grp = min(4, B) if B % min(4, B) == 0 else 1
        s = x.view(grp, -1, C, H, W).std(0, unbiased=False).mean([1, 2, 3])  # [B/grp]
        s = s.repeat(grp).view(B, 1, 1, 1).expand(B, 1, H, W)
        x = lrelu(self.final_conv(torch.cat([x, s], 1)))
        return self.head(lrelu(self.final_linear(x.flatten(1))))


class Discriminator(nn.Module):
    def __init__(self, size: int, seg_dim: int, base: int = 32, with_seg: bool = True):
        super().__init__()
        self.img = Branch(size, 3, base)
        self.seg = Branch(size, seg_dim, base) if with_seg else None

    def forward(self, image: torch.Tensor, seg: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.img(image)
        if self.seg is not None:
            if seg is None:
                raise ValueError('the dual-branch discriminator needs a segmentation input')
            out = out + self.seg(seg)
        return out

    def drop_segmentation_branch(self) -> None:
        self.seg = None
