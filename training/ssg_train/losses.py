"""The training losses, one named function each (rosinality's layout), shared by the trainers."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F


def coarse_target(labels: torch.Tensor, seg_dim: int, side: int) -> torch.Tensor:
    """Class shares per coarse cell, [B, K, S, S]."""
    one_hot = F.one_hot(labels.long(), seg_dim).permute(0, 3, 1, 2).float()
    return F.adaptive_avg_pool2d(one_hot, side)


def class_weights(pixel_share: torch.Tensor, power: float = 0.5, cap: float = 12.0) -> torch.Tensor:
    """Per-class pixel weights that count small parts: (mean share / share)^power, capped, so that an
    eye (1% of the pixels) weighs about as much in the loss as a part ten times its size."""
    share = pixel_share.clamp_min(1e-5)
    w = (share.mean() / share).pow(power).clamp(max=cap)
    return w / (w * share).sum() * share.sum()  # mean weight over all pixels = 1


def weighted_l1(img: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """L1 with a per-pixel weight map [B, H, W]."""
    return ((img - target).abs().mean(1) * weight).mean()


def gradient_l1(img: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """L1 between the images' finite differences: penalises blurred edges directly."""
    dx = lambda x: x[..., :, 1:] - x[..., :, :-1]  # noqa: E731
    dy = lambda x: x[..., 1:, :] - x[..., :-1, :]  # noqa: E731
    wx = weight[..., :, 1:]
    wy = weight[..., 1:, :]
    return ((dx(img) - dx(target)).abs().mean(1) * wx).mean() + ((dy(img) - dy(target)).abs().mean(1) * wy).mean()


def balanced_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, cw: Optional[torch.Tensor]) -> torch.Tensor:
    return F.cross_entropy(logits, labels.long(), weight=cw)


def coarse_mask_nll(m: torch.Tensor, target_coarse: torch.Tensor) -> torch.Tensor:
    """The fused coarse mask m against the labels' class shares per coarse cell."""
    return -(target_coarse * torch.log(m + 1e-6)).sum(1).mean()


def mask_consistency(seg: torch.Tensor, m: torch.Tensor, side: int) -> torch.Tensor:
    """Downsampled output segmentation against the coarse mask (the paper's mask loss)."""
    return (F.adaptive_avg_pool2d(F.softmax(seg, 1), side) - m).pow(2).sum(1).mean()


def image_and_mask_losses(out: Dict[str, torch.Tensor], images: torch.Tensor, labels: torch.Tensor,
                          seg_dim: int, coarse_size: int, cw: torch.Tensor,
                          emphasis: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
    """Everything a rendered image and its masks are held to. `emphasis` [B, H, W] multiplies the
    pixel weights (a composite's changed pixels)."""
    img = out['image'].float()
    seg = out['segmentation'].float()
    m = out['mask'].float()
    weight = cw[labels.long()]
    if emphasis is not None:
        weight = weight * emphasis
    return {
        'l1': weighted_l1(img, images, weight),
        'l1_half': (F.avg_pool2d(img, 2) - F.avg_pool2d(images, 2)).abs().mean(),
        'grad': gradient_l1(img, images, weight),
        'seg': balanced_cross_entropy(seg, labels, cw),
        'coarse': coarse_mask_nll(m, coarse_target(labels, seg_dim, coarse_size)),
        'mask': mask_consistency(seg, m, coarse_size),
    }


def ema_update(g_ema: torch.nn.Module, g: torch.nn.Module, decay: float) -> None:
    with torch.no_grad():
        for pe, p in zip(g_ema.parameters(), g.parameters()):
            pe.lerp_(p, 1 - decay)
        for be, b in zip(g_ema.buffers(), g.buffers()):
            be.copy_(b)
