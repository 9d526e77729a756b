"""Adversarial training as the paper does it, and fine-tuning to a new domain.

- Generator: mapping + local generators + render net (generator.py); EMA copy `g_ema`.
- Dual-branch discriminator on (image, class probabilities); non-saturating logistic loss;
  lazy R1 on both branches' real inputs; style mixing (rows of W+ taken from two w's at a random
  cut, so components come from different faces); the mask loss between the downsampled output
  segmentation and the coarse mask (seed A.2); texture gradients stopped from the shape layers
  and the background depth fixed at 0 inside the generator.
- Fine-tuning (`finetune`): from a checkpoint, on images without masks, with the segmentation
  branch removed (seed A.2: "During fine-tuning, we remove this branch").
"""
import copy
import os
from typing import Dict, Optional

import torch
import torch.nn.functional as F

from .losses import ema_update
from . import checkpoint as ckpt
from .config import PRESETS, ModelConfig
from .data import adopt_classes, load_images, load_labelled, to_float
from .discriminator import Discriminator
from .generator import Generator
from .loop import TrainLoop
from .sheets import grid, image_and_mask_rows

R1_GAMMA = 10.0
R1_EVERY = 16
MIXING_PROB = 0.9
MASK_LOSS_WEIGHT = 1.0
EMA_HALF_LIFE_IMAGES = 10_000


def mask_loss(c: ModelConfig, out: Dict[str, torch.Tensor]) -> torch.Tensor:
    seg = F.softmax(out['segmentation'].float(), 1)
    return (F.adaptive_avg_pool2d(seg, c.coarse_size) - out['mask'].float()).pow(2).sum(1).mean()


class GanTrainer:
    def __init__(self, cfg: ModelConfig, with_seg: bool, lr: float = 2e-3, d_base: int = 32, seed: int = 0):
        torch.manual_seed(seed)
        self.cfg = cfg
        self.with_seg = with_seg
        self.g = Generator(cfg)
        self.d = Discriminator(cfg.size, cfg.seg_dim, d_base, with_seg)
        self.g_ema = copy.deepcopy(self.g).eval().requires_grad_(False)
        self.g_opt = torch.optim.Adam(self.g.parameters(), lr=lr, betas=(0.0, 0.99))
        r1_ratio = R1_EVERY / (R1_EVERY + 1)
        self.d_opt = torch.optim.Adam(self.d.parameters(), lr=lr * r1_ratio, betas=(0.0, 0.99 ** r1_ratio))
        self.sampler = torch.Generator().manual_seed(seed + 1)
        self.step = 0
        self.images_seen = 0

    def latents(self, batch: int) -> torch.Tensor:
        c = self.cfg
        z = torch.randn(2, batch, c.latent, generator=self.sampler)
        w1, w2 = self.g.mapping(z[0]), self.g.mapping(z[1])
        wplus = self.g.broadcast(w1)
        if torch.rand((), generator=self.sampler) < MIXING_PROB:
            cut = int(torch.randint(1, c.n_latent, (), generator=self.sampler))
            wplus = torch.cat([wplus[:, :cut], self.g.broadcast(w2)[:, cut:]], 1)
        return wplus

    def d_inputs(self, out: Dict[str, torch.Tensor]):
        return out['image'], (F.softmax(out['segmentation'], 1) if self.with_seg else None)

    def train_step(self, real_u8: torch.Tensor, real_labels: Optional[torch.Tensor], batch: int,
                   bf16: bool = False) -> Dict[str, float]:
        c = self.cfg
        idx = torch.randint(0, real_u8.shape[0], (batch,), generator=self.sampler)
        real = to_float(real_u8[idx])
        real_seg = (F.one_hot(real_labels[idx].long(), c.seg_dim).permute(0, 3, 1, 2).float()
                    if self.with_seg else None)
        # Discriminator
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            fake = self.g(self.latents(batch))
        fi, fs = self.d_inputs(fake)
        d_loss = F.softplus(self.d(fi.float(), None if fs is None else fs.float())).mean() + \
            F.softplus(-self.d(real, real_seg)).mean()
        self.d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_opt.step()
        parts = {'d': float(d_loss)}
        if self.step % R1_EVERY == 0:
            ri = real.detach().requires_grad_(True)
            rs = real_seg.detach().requires_grad_(True) if real_seg is not None else None
            score = self.d(ri, rs).sum()
            grads = torch.autograd.grad(score, [ri] + ([rs] if rs is not None else []), create_graph=True)
            r1 = sum(g.pow(2).flatten(1).sum(1).mean() for g in grads)
            self.d_opt.zero_grad(set_to_none=True)
            (R1_GAMMA / 2 * r1 * R1_EVERY).backward()
            self.d_opt.step()
            parts['r1'] = float(r1)
        # Generator
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            fake = self.g(self.latents(batch))
        fi, fs = self.d_inputs(fake)
        g_adv = F.softplus(-self.d(fi.float(), None if fs is None else fs.float())).mean()
        g_loss = g_adv + MASK_LOSS_WEIGHT * mask_loss(c, fake)
        self.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_opt.step()
        ema_update(self.g_ema, self.g, 0.5 ** (batch / EMA_HALF_LIFE_IMAGES))
        self.step += 1
        self.images_seen += batch
        return parts | {'g': float(g_adv), 'g_total': float(g_loss)}

    def state(self, args: dict) -> dict:
        return {
            'g': self.g.state_dict_authors(), 'g_ema': self.g_ema.state_dict_authors(), 'd': self.d.state_dict(),
            'g_optim': self.g_opt.state_dict(), 'd_optim': self.d_opt.state_dict(), 'args': args,
            'training': ckpt.progress(self, kind='adversarial' if self.with_seg else 'adversarial fine-tune (image-only D)',
                                      with_seg=self.with_seg),
        }

    def load(self, ck: dict, weights_only: bool = False) -> None:
        """Resume (everything) or, with weights_only, start from a checkpoint's generator (fine-tuning)."""
        self.g.load_state_dict_authors(ck['g'] if ck.get('g') is not None else ck['g_ema'])
        self.g_ema.load_state_dict_authors(ck['g_ema'])
        if weights_only:
            d = ck.get('d')
            if isinstance(d, dict) and d:
                # Keep the trained image branch; the segmentation branch is dropped when fine-tuning.
                own = {k: v for k, v in d.items() if k.startswith('img.')}
                if all(k in self.d.state_dict() and self.d.state_dict()[k].shape == v.shape for k, v in own.items()):
                    self.d.load_state_dict(own, strict=False)
            return
        self.d.load_state_dict(ck['d'])
        self.g_opt.load_state_dict(ck['g_optim'])
        self.d_opt.load_state_dict(ck['d_optim'])
        ckpt.restore_progress(self, ck['training'])


@torch.no_grad()
def sample_sheet(tr: GanTrainer, path: str, n: int = 8) -> None:
    gen = torch.Generator().manual_seed(7)
    z = torch.randn(n, tr.cfg.latent, generator=gen)
    g = tr.g_ema
    w = g.mapping(z)
    w_avg = g.mapping(torch.randn(2000, tr.cfg.latent, generator=gen)).mean(0)
    out = g(g.broadcast(w_avg + 0.7 * (w - w_avg)))
    grid(image_and_mask_rows(out), scale=2).save(path)


def run(o) -> None:
    """`train --mode gan` (labelled dataset) and `finetune` (images only, from a checkpoint)."""
    finetune = o.cmd == 'finetune'
    ck = None
    if finetune:
        ck = ckpt.load(o.from_ckpt)
        cfg = ckpt.config_of(ck)
    elif o.resume:
        ck = ckpt.load(o.resume)
        cfg = ckpt.config_of(ck)
    else:
        cfg = copy.deepcopy(PRESETS[o.preset])
    resume_ft = finetune and o.resume
    if resume_ft:
        ck = ckpt.load(o.resume)
    torch.set_num_threads(o.threads)
    if finetune:
        images_u8, labels = load_images(o.images, cfg.size, o.max_images), None
    else:
        images_u8, labels, meta = load_labelled(o.data, cfg.size, cfg.seg_dim, o.max_images)
        adopt_classes(cfg, meta, transparent=False)
    tr = GanTrainer(cfg, with_seg=not finetune, lr=o.lr, d_base=o.d_base, seed=o.seed)
    if ck is not None:
        tr.load(ck, weights_only=finetune and not resume_ft)
    args = cfg.as_args() | {'batch': o.batch, 'lr': o.lr, 'training': tr.state({})['training']['kind'],
                            'dataset': os.path.abspath(o.images if finetune else o.data)}
    print(f'{"fine-tuning" if finetune else "training"} {cfg.size} px adversarially on {images_u8.shape[0]} images, '
          f'batch {o.batch}, to {o.kimg} kimg (at {tr.images_seen / 1000:.2f} kimg)', flush=True)
    loop = TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every)
    loop.run(lambda: tr.images_seen,
             lambda: tr.train_step(images_u8, labels, o.batch, o.bf16),
             lambda: ckpt.save_atomic(tr.state(args), os.path.join(o.out, 'latest.pt')),
             lambda path: sample_sheet(tr, path))
