"""Quality figures a user can judge, for a trained model:

- Frechet distance between generated and held-out dataset images, in the feature space of a
  small CNN that the project trains on its own dataset (`FeatureNet`: four stride-2 conv layers,
  global average pooling to 128 features, trained to predict each class's pixel share and
  presence from the image). Reported beside the same distance between two sets of real images.
- Per-class pixel-area distributions of generated and real masks, side by side (JSON + chart).
- Swap locality: copy one component's shape and texture rows from face B onto face A and report
  the share of changed pixels that fall inside that component's mask (before or after the swap).
"""
import json
import math
import os
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from . import checkpoint as ckpt
from .data import load_labelled, to_float
from .feature_net import FeatureNet, train_feature_net
from .generator import Generator
from .sheets import COLORS, grid, image_u8, mask_u8

@torch.no_grad()
def feats(net: FeatureNet, images: torch.Tensor) -> np.ndarray:
    return torch.cat([net.features(images[i:i + 256]) for i in range(0, len(images), 256)]).double().numpy()


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # sqrtm(s1 s2) through the eigenvalues of s1^1/2 s2 s1^1/2 (symmetric, PSD)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    ev = np.linalg.eigvalsh(r1 @ s2 @ r1)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum())


@torch.no_grad()
def generate(g: Generator, n: int, psi: float, seed: int):
    gen = torch.Generator().manual_seed(seed)
    w_avg = g.mapping(torch.randn(10000, g.c.latent, generator=gen)).mean(0)
    out_img, out_seg, ws = [], [], []
    for i in range(0, n, 64):
        w = g.mapping(torch.randn(min(64, n - i), g.c.latent, generator=gen))
        w = w_avg + psi * (w - w_avg)
        o = g(g.broadcast(w))
        out_img.append(o['image'].clamp(-1, 1))
        out_seg.append(o['segmentation'].argmax(1))
        ws.append(w)
    return torch.cat(out_img), torch.cat(out_seg), torch.cat(ws), w_avg


def area_stats(masks: torch.Tensor, names: List[str]) -> Dict[str, Dict[str, float]]:
    share = F.one_hot(masks.long(), len(names)).float().mean([1, 2])
    return {n: {'mean': float(share[:, k].mean()), 'std': float(share[:, k].std()),
                'present': float((share[:, k] > 0).float().mean())} for k, n in enumerate(names)}


def area_chart(real: dict, fake: dict, path: str) -> None:
    names = list(real)
    W, H, pad = 60 * len(names) + 40, 260, 30
    im = Image.new('RGB', (W, H), 'white')
    d = ImageDraw.Draw(im)
    top = max(max(v['mean'] + v['std'] for v in real.values()), max(v['mean'] + v['std'] for v in fake.values()))
    scale = (H - 2 * pad) / max(top, 1e-6)
    for k, n in enumerate(names):
        x = 30 + 60 * k
        for j, (src, col) in enumerate(((real, (90, 90, 90)), (fake, tuple(int(c) for c in COLORS[k % len(COLORS)])))):
            m, s = src[n]['mean'], src[n]['std']
            x0 = x + j * 22
            d.rectangle([x0, H - pad - m * scale, x0 + 18, H - pad], fill=col, outline=(0, 0, 0))
            d.line([x0 + 9, H - pad - (m + s) * scale, x0 + 9, H - pad - max(m - s, 0) * scale], fill=(0, 0, 0))
        d.text((x, H - pad + 4), n[:9], fill=(0, 0, 0))
    d.text((30, 6), 'pixel share per class: real (grey, left) vs generated (colour, right); bars = mean, lines = +-1 std', fill=(0, 0, 0))
    im.save(path)


@torch.no_grad()
def swap_locality(g: Generator, ws: torch.Tensor, names: List[str], components: List[str], pairs: int = 64,
                  threshold: float = 0.1) -> Dict[str, Dict[str, float]]:
    c = g.c
    out = {}
    a = g.broadcast(ws[:pairs]).clone()
    b = g.broadcast(ws[pairs:2 * pairs]).clone()
    before = g(a)
    for comp in components:
        k = names.index(comp)
        rows = [c.base_layers + 2 * k, c.base_layers + 2 * k + 1]
        swapped = a.clone()
        swapped[:, rows] = b[:, rows]
        after = g(swapped)
        changed = (after['image'] - before['image']).abs().amax(1) > threshold  # [N, H, W]
        region = (before['segmentation'].argmax(1) == k) | (after['segmentation'].argmax(1) == k)
        inside = (changed & region).sum().item()
        total = changed.sum().item()
        out[comp] = {'changed_pixel_share': total / changed.numel(), 'inside_component_share': inside / max(total, 1),
                     'component_area_share': region.float().mean().item()}
    return out


def run(o) -> Dict[str, object]:
    ck = ckpt.load(o.ckpt)
    cfg = ckpt.config_of(ck)
    torch.set_num_threads(o.threads)
    g = Generator(cfg).eval()
    g.load_state_dict_authors(ck['g_ema'])
    names = cfg.class_names
    train_u8, train_lab, _ = load_labelled(o.train_data, cfg.size, cfg.seg_dim, o.feature_images)
    held_u8, held_lab, held_meta = load_labelled(o.heldout, cfg.size, cfg.seg_dim, o.samples)
    net = train_feature_net(train_u8, train_lab, cfg.seg_dim, o.feature_steps)
    fake, fake_masks, ws, _ = generate(g, o.samples, o.psi, seed=11)
    f_held = feats(net, to_float(held_u8))
    f_fake = feats(net, fake)
    f_train = feats(net, to_float(train_u8[:len(held_u8)]))
    real_areas = area_stats(held_lab, names)
    fake_areas = area_stats(fake_masks, names)
    os.makedirs(o.out, exist_ok=True)
    area_chart(real_areas, fake_areas, os.path.join(o.out, 'class-areas.png'))
    locality = swap_locality(g, ws, names, [n for n in ('eyes', 'mouth', 'hair') if n in names])
    report = {
        'model': os.path.abspath(o.ckpt), 'psi': o.psi, 'samples': o.samples,
        'heldout': {'dir': os.path.abspath(o.heldout), 'seed': held_meta.get('made', {}).get('seed')},
        'feature_net': 'FeatureNet: 4 stride-2 convs (32-64-96-128), global average pool, 128 features; '
                       f'trained {o.feature_steps} steps to predict class pixel shares and presence on {len(train_u8)} training images',
        'frechet_generated_vs_heldout': frechet(f_fake, f_held),
        'frechet_train_vs_heldout': frechet(f_train, f_held),
        'class_areas': {'real': real_areas, 'generated': fake_areas},
        'swap_locality': locality,
    }
    with open(os.path.join(o.out, 'evaluation.json'), 'w') as f:
        json.dump(report, f, indent=2)
    # Samples with their masks, and a swap strip (eyes, mouth, hair from the second row's faces).
    rows = [[image_u8(x) for x in fake[:8]], [mask_u8(m) for m in fake_masks[:8]]]
    grid(rows, scale=3).save(os.path.join(o.out, 'samples.png'))
    swap_sheet(g, ws, names, os.path.join(o.out, 'swaps.png'))
    return report


@torch.no_grad()
def swap_sheet(g: Generator, ws: torch.Tensor, names: List[str], path: str, n: int = 6) -> None:
    c = g.c
    a, b = g.broadcast(ws[:n]).clone(), g.broadcast(ws[n:2 * n]).clone()
    rows = [[image_u8(x) for x in g(a)['image']], [image_u8(x) for x in g(b)['image']]]
    for comp in [x for x in ('hair', 'eyes', 'mouth', 'face') if x in names]:
        k = names.index(comp)
        s = a.clone()
        s[:, [c.base_layers + 2 * k, c.base_layers + 2 * k + 1]] = b[:, [c.base_layers + 2 * k, c.base_layers + 2 * k + 1]]
        rows.append([image_u8(x) for x in g(s)['image']])
    grid(rows, scale=3).save(path)
