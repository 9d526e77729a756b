"""Reconstruction training (GLO): the generator and one learned code w per training image, fitted
to the image (L1) and its masks (cross-entropy of the refined segmentation, and of the fused coarse
mask m against the downsampled labels). Every image has masks, so this needs no discriminator and
reaches faces on two CPU cores in hours. `export.fit_mapping` later turns the codes' distribution
into a mapping network so that sampling, truncation and w_avg work as for a GAN."""
import copy
import os
from typing import Dict, Optional

import torch

from . import checkpoint as ckpt
from . import losses as L
from .config import PRESETS, ModelConfig
from .data import adopt_classes, load_composites, load_labelled, to_float
from .generator import Generator
from .loop import TrainLoop
from .sheets import grid, image_and_mask_rows, image_u8, mask_u8

# `comp_*`: the same losses on exact part swaps (A's code with B's rows of one component).
LOSS_WEIGHTS = {'l1': 1.0, 'l1_half': 0.5, 'grad': 0.5, 'seg': 0.2, 'coarse': 0.2, 'mask': 1.0, 'code': 1e-3,
                'comp_l1': 1.0, 'comp_l1_half': 0.5, 'comp_grad': 0.5, 'comp_seg': 0.2, 'comp_coarse': 0.2,
                'comp_mask': 0.5}
EMA_HALF_LIFE_IMAGES = 2_000
# A composite's pixels that differ from face A are what the swapped rows must draw: weigh them up.
CHANGED_PIXEL_EMPHASIS = 4.0


def swap_rows(c: ModelConfig, component: torch.Tensor, part: torch.Tensor) -> torch.Tensor:
    """[B, n_latent] bool: the W+ rows a swap of `component` (class index) and `part` (0 shape,
    1 texture, 2 both) takes from face B."""
    rows = torch.zeros(component.shape[0], c.n_latent, dtype=torch.bool)
    shape_row = c.base_layers + 2 * component
    b = torch.arange(component.shape[0])
    take_shape = part != 1
    take_texture = part != 0
    rows[b[take_shape], shape_row[take_shape]] = True
    rows[b[take_texture], shape_row[take_texture] + 1] = True
    return rows


def pixel_shares(labels: torch.Tensor, seg_dim: int) -> torch.Tensor:
    return torch.bincount(labels.flatten().long(), minlength=seg_dim).float() / labels.numel()


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
        self.class_w = torch.ones(cfg.seg_dim)

    def train_step(self, images_u8: torch.Tensor, labels: torch.Tensor, batch: int, bf16: bool = False,
                   composites=None, comp_batch: int = 0) -> Dict[str, float]:
        c = self.cfg
        idx = torch.randint(0, images_u8.shape[0], (batch,), generator=self.sampler)
        images = to_float(images_u8[idx])
        lab = labels[idx]
        wplus = self.g.broadcast(self.codes(idx))
        targets, target_labels, emphasis = [images], [lab], [torch.ones(lab.shape)]
        if composites is not None and comp_batch > 0:
            cimg_u8, clab, meta = composites
            j = torch.randint(0, cimg_u8.shape[0], (comp_batch,), generator=self.sampler)
            a, b = meta['a'][j], meta['b'][j]
            rows = swap_rows(c, meta['component'][j], meta['part'][j])
            mixed = torch.where(rows[:, :, None], self.g.broadcast(self.codes(b)), self.g.broadcast(self.codes(a)))
            wplus = torch.cat([wplus, mixed])
            cimg = to_float(cimg_u8[j])
            changed = (cimg - to_float(images_u8[a])).abs().amax(1) > 0.1
            targets.append(cimg)
            target_labels.append(clab[j])
            emphasis.append(1.0 + (CHANGED_PIXEL_EMPHASIS - 1.0) * changed.float())
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = self.g(wplus)
        n = batch
        parts = L.image_and_mask_losses({k: v[:n] for k, v in out.items()}, images, lab, c.seg_dim,
                                        c.coarse_size, self.class_w)
        parts['code'] = self.codes(idx).pow(2).mean()
        if len(targets) > 1:
            comp = L.image_and_mask_losses({k: v[n:] for k, v in out.items()}, targets[1], target_labels[1],
                                           c.seg_dim, c.coarse_size, self.class_w, emphasis[1])
            parts |= {f'comp_{k}': v for k, v in comp.items()}
        total = sum(LOSS_WEIGHTS[k] * v for k, v in parts.items())
        self.opt.zero_grad(set_to_none=True)
        self.code_opt.zero_grad(set_to_none=True)
        total.backward()
        self.opt.step()
        self.code_opt.step()
        L.ema_update(self.g_ema, self.g, 0.5 ** ((batch + comp_batch) / EMA_HALF_LIFE_IMAGES))
        self.step += 1
        self.images_seen += batch + comp_batch
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
            'training': ckpt.progress(self, kind='reconstruction', loss_weights=LOSS_WEIGHTS),
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
        ckpt.restore_progress(self, ck['training'])


@torch.no_grad()
def sample_sheet(tr: ReconTrainer, images_u8, labels, path: str, n: int = 8, composites=None) -> None:
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
    if composites is not None:
        # Exact part swaps (one per component, the first of each) beside the model's row swap.
        cimg_u8, _, meta = composites
        first = [int((meta['component'] == k).nonzero()[0]) for k in range(tr.cfg.seg_dim)
                 if bool((meta['component'] == k).any())][:n]
        j = torch.tensor(first)
        mixed = torch.where(swap_rows(tr.cfg, meta['component'][j], meta['part'][j])[:, :, None],
                            g.broadcast(tr.codes.weight[meta['b'][j]]), g.broadcast(tr.codes.weight[meta['a'][j]]))
        rows.append([image_u8(x) for x in to_float(cimg_u8[j])])
        rows.append([image_u8(x) for x in g(mixed)['image']])
    grid(rows, scale=2).save(path)


def run(o) -> None:
    cfg = PRESETS[o.preset] if not o.resume else None
    ck = None
    if o.resume:
        ck = ckpt.load(o.resume)
        cfg = ckpt.config_of(ck)
    images_u8, labels, meta = load_labelled(o.data, cfg.size, cfg.seg_dim, o.max_images)
    adopt_classes(cfg, meta)
    torch.set_num_threads(o.threads)
    tr = ReconTrainer(cfg, images_u8.shape[0], lr=o.lr, code_lr=o.code_lr, seed=o.seed)
    if ck is not None:
        tr.load(ck)
    tr.class_w = L.class_weights(pixel_shares(labels, cfg.seg_dim))
    composites = load_composites(o.data, cfg.size, cfg.seg_dim, cfg.class_names)
    comp_batch = o.batch if composites is not None and not getattr(o, 'no_composites', False) else 0
    if composites is not None:
        keep = (composites[2]['a'] < images_u8.shape[0]) & (composites[2]['b'] < images_u8.shape[0])
        composites = (composites[0][keep], composites[1][keep], {k: v[keep] for k, v in composites[2].items()})
        print(f'{int(keep.sum())} exact part swaps join each step ({comp_batch} a step)', flush=True)
    args = cfg.as_args() | {'batch': o.batch, 'lr': o.lr, 'code_lr': o.code_lr, 'dataset': os.path.abspath(o.data),
                            'dataset_count': int(images_u8.shape[0]), 'training': 'reconstruction (GLO)'}
    loop = TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every)
    print(f'training {o.preset if not o.resume else "resumed"} by reconstruction on {images_u8.shape[0]} images of '
          f'{cfg.size} px, batch {o.batch}, to {o.kimg} kimg (at {tr.images_seen / 1000:.2f} kimg)', flush=True)
    loop.run(lambda: tr.images_seen,
             lambda: tr.train_step(images_u8, labels, o.batch, o.bf16, composites, comp_batch),
             lambda: ckpt.save_atomic(tr.state(args), os.path.join(o.out, 'latest.pt')),
             lambda path: sample_sheet(tr, images_u8, labels, path, composites=composites))
