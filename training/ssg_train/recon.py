"""Reconstruction training (GLO): the generator and one learned code w per training image, fitted
to the image (L1) and its masks (cross-entropy of the refined segmentation, and of the fused coarse
mask m against the downsampled labels). Every image has masks, so this needs no discriminator and
reaches faces on two CPU cores in hours. `export.fit_mapping` later turns the codes' distribution
into a mapping network so that sampling, truncation and w_avg work as for a GAN."""
import copy
import os
from typing import Dict, Optional

import torch
import torch.nn.functional as F

from . import checkpoint as ckpt
from .config import PRESETS, ModelConfig
from .data import load_labelled, to_float
from .generator import Generator
from .loop import TrainLoop
from .sheets import grid, image_and_mask_rows, image_u8, mask_u8

LOSS_WEIGHTS = {'l1': 1.0, 'l1_half': 0.5, 'seg': 0.2, 'coarse': 0.2, 'mask': 1.0, 'code': 1e-3}
EMA_HALF_LIFE_IMAGES = 2_000


def coarse_target(labels: torch.Tensor, seg_dim: int, side: int) -> torch.Tensor:
    """Class shares per coarse cell, [B, K, S, S]."""
    one_hot = F.one_hot(labels.long(), seg_dim).permute(0, 3, 1, 2).float()
    return F.adaptive_avg_pool2d(one_hot, side)


def losses(c: ModelConfig, out: Dict[str, torch.Tensor], images: torch.Tensor, labels: torch.Tensor,
           codes: torch.Tensor) -> Dict[str, torch.Tensor]:
    img = out['image'].float()
    seg = out['segmentation'].float()
    target_coarse = coarse_target(labels, c.seg_dim, c.coarse_size)
    m = out['mask'].float()
    return {
        'l1': (img - images).abs().mean(),
        'l1_half': (F.avg_pool2d(img, 2) - F.avg_pool2d(images, 2)).abs().mean(),
        'seg': F.cross_entropy(seg, labels.long()),
        'coarse': -(target_coarse * torch.log(m + 1e-6)).sum(1).mean(),
        # seed A.2: downsampled output segmentation against the coarse mask
        'mask': (F.adaptive_avg_pool2d(F.softmax(seg, 1), c.coarse_size) - m).pow(2).sum(1).mean(),
        'code': codes.pow(2).mean(),
    }


class ReconTrainer:
    def __init__(self, cfg: ModelConfig, n_images: int, lr: float = 2e-3, code_lr: float = 1e-2, seed: int = 0):
        torch.manual_seed(seed)
        self.cfg = cfg
        self.g = Generator(cfg)
        self.g_ema = copy.deepcopy(self.g).eval()
        for p in self.g_ema.parameters():
            p.requires_grad_(False)
        self.codes = torch.nn.Embedding(n_images, cfg.latent, sparse=True)
        torch.nn.init.normal_(self.codes.weight, std=1.0)
        # Mapping is not trained here (it is fitted to the codes at export).
        params = [p for n, p in self.g.named_parameters() if not n.startswith('style.')]
        self.opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.99))
        self.code_opt = torch.optim.SparseAdam(list(self.codes.parameters()), lr=code_lr, betas=(0.9, 0.99))
        self.sampler = torch.Generator().manual_seed(seed + 1)
        self.step = 0
        self.images_seen = 0

    def ema_update(self, batch: int) -> None:
        decay = 0.5 ** (batch / EMA_HALF_LIFE_IMAGES)
        with torch.no_grad():
            for pe, p in zip(self.g_ema.parameters(), self.g.parameters()):
                pe.lerp_(p, 1 - decay)
            for be, b in zip(self.g_ema.buffers(), self.g.buffers()):
                be.copy_(b)

    def train_step(self, images_u8: torch.Tensor, labels: torch.Tensor, batch: int, bf16: bool = False) -> Dict[str, float]:
        idx = torch.randint(0, images_u8.shape[0], (batch,), generator=self.sampler)
        images = to_float(images_u8[idx])
        lab = labels[idx]
        codes = self.codes(idx)
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = self.g(self.g.broadcast(codes))
        parts = losses(self.cfg, out, images, lab, codes)
        total = sum(LOSS_WEIGHTS[k] * v for k, v in parts.items())
        self.opt.zero_grad(set_to_none=True)
        self.code_opt.zero_grad(set_to_none=True)
        total.backward()
        self.opt.step()
        self.code_opt.step()
        self.ema_update(batch)
        self.step += 1
        self.images_seen += batch
        return {k: float(v) for k, v in parts.items()} | {'total': float(total)}

    def state(self, args: dict) -> dict:
        return {
            'g': self.g.state_dict_authors(),
            'g_ema': self.g_ema.state_dict_authors(),
            'd': None,
            'g_optim': self.opt.state_dict(),
            'codes': self.codes.weight.detach().clone(),
            'codes_optim': self.code_opt.state_dict(),
            'args': args,
            'training': {'kind': 'reconstruction', 'step': self.step, 'images_seen': self.images_seen,
                         'sampler': self.sampler.get_state(), 'torch_rng': torch.get_rng_state(),
                         'loss_weights': LOSS_WEIGHTS},
        }

    def load(self, ck: dict) -> None:
        self.g.load_state_dict_authors(ck['g'])
        self.g_ema.load_state_dict_authors(ck['g_ema'])
        if ck.get('codes') is None or ck['codes'].shape != self.codes.weight.shape:
            raise ckpt.CheckpointError('checkpoint codes do not match this dataset (another dataset or --max-images)')
        with torch.no_grad():
            self.codes.weight.copy_(ck['codes'])
        self.opt.load_state_dict(ck['g_optim'])
        self.code_opt.load_state_dict(ck['codes_optim'])
        t = ck['training']
        self.step, self.images_seen = t['step'], t['images_seen']
        self.sampler.set_state(t['sampler'])
        torch.set_rng_state(t['torch_rng'])


@torch.no_grad()
def sample_sheet(tr: ReconTrainer, images_u8, labels, path: str, n: int = 8) -> None:
    g = tr.g_ema
    idx = torch.arange(n)
    rec = g(g.broadcast(tr.codes.weight[idx]))
    rows = [[image_u8(x) for x in to_float(images_u8[idx])], [mask_u8(l) for l in labels[idx]]]
    rows += image_and_mask_rows(rec)
    # Samples from a Gaussian fitted to the codes (what the exported mapping will do).
    codes = tr.codes.weight
    mu = codes.mean(0)
    cov = torch.cov(codes.T) + 1e-4 * torch.eye(codes.shape[1])
    L = torch.linalg.cholesky(cov)
    gen = torch.Generator().manual_seed(7)
    w = mu + 0.8 * torch.randn(n, codes.shape[1], generator=gen) @ L.T
    rows += image_and_mask_rows(g(g.broadcast(w)))
    grid(rows, scale=2).save(path)


def run(o) -> None:
    cfg = PRESETS[o.preset] if not o.resume else None
    ck = None
    if o.resume:
        ck = ckpt.load(o.resume)
        cfg = ckpt.config_of(ck)
    images_u8, labels, meta = load_labelled(o.data, cfg.size, cfg.seg_dim, o.max_images)
    names = [c['name'] for c in meta.get('classes', [])]
    if names and len(names) != cfg.seg_dim:
        raise ckpt.CheckpointError(f'the dataset has {len(names)} classes, the model {cfg.seg_dim}')
    if names:
        cfg.class_names = names
        cfg.transparent_dims = tuple(meta.get('transparentDims', cfg.transparent_dims))
    torch.set_num_threads(o.threads)
    tr = ReconTrainer(cfg, images_u8.shape[0], lr=o.lr, code_lr=o.code_lr, seed=o.seed)
    if ck is not None:
        tr.load(ck)
    args = cfg.as_args() | {'batch': o.batch, 'lr': o.lr, 'code_lr': o.code_lr, 'dataset': os.path.abspath(o.data),
                            'dataset_count': int(images_u8.shape[0]), 'training': 'reconstruction (GLO)'}
    loop = TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every)
    print(f'training {o.preset if not o.resume else "resumed"} by reconstruction on {images_u8.shape[0]} images of '
          f'{cfg.size} px, batch {o.batch}, to {o.kimg} kimg (at {tr.images_seen / 1000:.2f} kimg)', flush=True)
    loop.run(lambda: tr.images_seen,
             lambda: tr.train_step(images_u8, labels, o.batch, o.bf16),
             lambda: ckpt.save_atomic(tr.state(args), os.path.join(o.out, 'latest.pt')),
             lambda path: sample_sheet(tr, images_u8, labels, path))
