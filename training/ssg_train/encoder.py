"""Image -> W+ inversion in the ReStyle style: an encoder sees the target image and the current
reconstruction and predicts a correction of the latent; starting from w_avg (every row), a few
iterations w <- w + E(image, G(w), w) converge on the image.

Training pairs come from the generator itself (z -> mapping -> w, with rows mixed per component
so the encoder learns per-component codes, rendered without gradient) and, when a make-dataset
directory is given, from its images and label maps (no latent there: the image and mask losses
through the frozen generator carry the signal). Each ReStyle iteration sees the previous
reconstruction detached, as in the paper (Alaluf et al. 2021).
"""
import json
import math
import os
import time
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import checkpoint as ckpt
from .config import ModelConfig
from .data import load_labelled, to_float
from .feature_net import FeatureNet, train_feature_net
from .generator import Generator
from .loop import TrainLoop
from .sheets import grid, image_u8, mask_u8

ENCODER_FORMAT = 1
LOSS_WEIGHTS = {'latent': 0.25, 'l1': 1.0, 'perceptual': 2.0, 'seg': 0.1}
W_AVG_SAMPLES = 10_000


STAGE_MULTIPLIERS = (1, 1.5, 2, 3, 4, 4)
LATENT_PROJECTION = 4


def stage_widths(size: int, base: int) -> List[int]:
    """Channels of the stride-2 stages that bring `size` down to 4x4 (slow growth: the file stays a few MB)."""
    n = int(math.log2(size)) - 2
    return [int(base * STAGE_MULTIPLIERS[min(i, len(STAGE_MULTIPLIERS) - 1)]) for i in range(n)]


class ResBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.a = nn.Conv2d(c, c, 3, padding=1)
        self.b = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + 0.5 * self.b(F.leaky_relu(self.a(F.leaky_relu(x, 0.2)), 0.2))


class Encoder(nn.Module):
    """(image, reconstruction, latent) -> delta W+. Stride-2 conv stages with one residual block
    each down to 4x4, a flattened 4x4 feature, the current latent (relative to w_avg, each row
    projected to a few numbers: where it stands, cheaply), and a head to [n_latent, dim]; the last
    layer starts near zero, so an untrained encoder leaves the latent where it is."""

    def __init__(self, size: int, n_latent: int, dim: int, w_avg: torch.Tensor, base: int = 32, hidden: int = 160):
        super().__init__()
        self.size, self.n_latent, self.dim, self.base, self.hidden = size, n_latent, dim, base, hidden
        widths = stage_widths(size, base)
        layers: List[nn.Module] = []
        cin = 6
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, stride=2, padding=1), nn.LeakyReLU(0.2), ResBlock(w)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.to_hidden = nn.Linear(cin * 16, hidden)
        self.from_latent = nn.Linear(dim, LATENT_PROJECTION)
        self.mid = nn.Linear(hidden + n_latent * LATENT_PROJECTION, hidden)
        self.out = nn.Linear(hidden, n_latent * dim)
        with torch.no_grad():
            self.out.weight.mul_(0.01)
            self.out.bias.zero_()
        self.register_buffer('w_avg', w_avg.detach().clone().float().view(1, 1, dim))

    def forward(self, image: torch.Tensor, reconstruction: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        x = self.features(torch.cat([image, reconstruction], 1))
        h = F.leaky_relu(self.to_hidden(x.flatten(1)), 0.2)
        lat = self.from_latent(latent - self.w_avg).flatten(1)
        h = F.leaky_relu(self.mid(torch.cat([h, lat], 1)), 0.2)
        return self.out(h).view(-1, self.n_latent, self.dim)

    def spec(self) -> dict:
        return {'size': self.size, 'n_latent': self.n_latent, 'dim': self.dim, 'base': self.base, 'hidden': self.hidden}


def load_generator(model_ckpt: str) -> Generator:
    """The frozen generator of a model checkpoint (export output: g_ema holds the served weights)."""
    return generator_of(ckpt.load(model_ckpt), model_ckpt)


def generator_of(ck: dict, model_ckpt: str) -> Generator:
    """The frozen generator of a loaded model checkpoint (`model_ckpt` names it in errors)."""
    if ck.get('training') is not None or ck.get('codes') is not None:
        raise ckpt.CheckpointError(f'{model_ckpt} is a training checkpoint, not the served model: make the model checkpoint '
                                   'with `ssg export-model --checkpoint FILE` (or `python3 -m ssg_train export`)')
    cfg = ckpt.config_of(ck)
    # The encoder needs gradients of the image through the shape rows too; the training-time
    # detach of texture activations changes gradients only, not the rendered picture.
    cfg.detach_texture = False
    g = Generator(cfg).eval()
    g.load_state_dict_authors(ck['g_ema'])
    for p in g.parameters():
        p.requires_grad_(False)
    return g


@torch.no_grad()
def mean_latent(g: Generator, samples: int = W_AVG_SAMPLES, seed: int = 0x5eed) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return g.mapping(torch.randn(samples, g.c.latent, generator=gen)).mean(0)


def component_rows(c: ModelConfig) -> List[List[int]]:
    """W+ row groups that can be mixed independently: the base rows, then each component's shape and texture row."""
    groups = [list(range(c.base_layers))]
    for k in range(c.seg_dim):
        groups += [[c.base_layers + 2 * k], [c.base_layers + 2 * k + 1]]
    return groups


@torch.no_grad()
def sample_wplus(g: Generator, n: int, gen: torch.Generator, mix_prob: float = 0.5, row_prob: float = 0.3) -> torch.Tensor:
    """W+ latents from the mapping: each row group of a mixed sample comes from a second w with row_prob."""
    c = g.c
    w1 = g.mapping(torch.randn(n, c.latent, generator=gen))
    w2 = g.mapping(torch.randn(n, c.latent, generator=gen))
    wp = g.broadcast(w1).clone()
    mixed = torch.rand(n, generator=gen) < mix_prob
    for rows in component_rows(c):
        take = mixed & (torch.rand(n, generator=gen) < row_prob)
        for r in rows:
            wp[take, r] = w2[take]
    return wp


def render(g: Generator, wplus: torch.Tensor, bf16: bool) -> Dict[str, torch.Tensor]:
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        out = g(wplus)
    return {'image': out['image'].float(), 'segmentation': out['segmentation'].float()}


class EncoderTrainer:
    def __init__(self, g: Generator, feature_net: Optional[FeatureNet], iterations: int = 3, lr: float = 5e-4,
                 seed: int = 0, base: int = 32, hidden: int = 160, w_avg: Optional[torch.Tensor] = None):
        torch.manual_seed(seed)
        c = g.c
        self.g = g
        self.iterations = iterations
        # The served model's w_avg (its manifest.json) where given: inversions start there.
        self.w_avg = mean_latent(g) if w_avg is None else w_avg.float()
        self.start = g.broadcast(self.w_avg[None])  # [1, n_latent, D]
        with torch.no_grad():
            self.start_image = g(self.start)['image'].clamp(-1, 1)
        self.enc = Encoder(c.size, c.n_latent, c.latent, self.w_avg, base=base, hidden=hidden)
        self.opt = torch.optim.Adam(self.enc.parameters(), lr=lr, betas=(0.9, 0.99))
        self.feature_net = feature_net
        if feature_net is not None:
            for p in feature_net.parameters():
                p.requires_grad_(False)
        self.sampler = torch.Generator().manual_seed(seed + 1)
        self.step = 0
        self.images_seen = 0

    def perceptual(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if self.feature_net is None:
            return a.new_zeros(())
        fa, fb = self._feature_maps(a), self._feature_maps(b)
        return sum(F.mse_loss(x, y) for x, y in zip(fa, fb)) / len(fa)

    def _feature_maps(self, x: torch.Tensor) -> List[torch.Tensor]:
        out = []
        for conv in self.feature_net.convs:
            x = F.leaky_relu(conv(x), 0.2)
            out.append(x)
        return out

    def batch(self, n_synth: int, real_u8: Optional[torch.Tensor], real_labels: Optional[torch.Tensor], n_real: int,
              bf16: bool):
        """Targets [B,3,S,S], their label maps [B,S,S] and true latents for the generated part."""
        w_true = sample_wplus(self.g, n_synth, self.sampler)
        with torch.no_grad():
            out = render(self.g, w_true, bf16)
        images = [out['image'].clamp(-1, 1)]
        labels = [out['segmentation'].argmax(1)]
        if real_u8 is not None and n_real > 0:
            idx = torch.randint(0, real_u8.shape[0], (n_real,), generator=self.sampler)
            images.append(to_float(real_u8[idx]))
            labels.append(real_labels[idx].long())
        return torch.cat(images), torch.cat(labels), w_true

    def train_step(self, batch: int, real_u8=None, real_labels=None, real_share: float = 0.5,
                   bf16: bool = False) -> Dict[str, float]:
        n_real = int(round(batch * real_share)) if real_u8 is not None else 0
        n_synth = batch - n_real
        target, labels, w_true = self.batch(n_synth, real_u8, real_labels, n_real, bf16)
        B = target.shape[0]
        w = self.start.expand(B, -1, -1)
        rec = self.start_image.expand(B, -1, -1, -1)
        self.opt.zero_grad(set_to_none=True)
        sums = {k: 0.0 for k in LOSS_WEIGHTS}
        for _ in range(self.iterations):
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                delta = self.enc(target, rec, w)
            w_new = w + delta.float()
            out = render(self.g, w_new, bf16)
            img = out['image']
            parts = {
                'latent': (w_new[:n_synth] - w_true).pow(2).mean() if n_synth else img.new_zeros(()),
                'l1': (img - target).abs().mean(),
                'perceptual': self.perceptual(img, target),
                'seg': F.cross_entropy(out['segmentation'], labels),
            }
            total = sum(LOSS_WEIGHTS[k] * v for k, v in parts.items()) / self.iterations
            total.backward()
            for k, v in parts.items():
                sums[k] += float(v) / self.iterations
            w = w_new.detach()
            rec = img.detach().clamp(-1, 1)
        self.opt.step()
        self.step += 1
        self.images_seen += B
        # The last iteration's losses are what an inversion ends with.
        return {k: float(v) for k, v in parts.items()} | {'mean_total': sum(LOSS_WEIGHTS[k] * v for k, v in sums.items())}

    def state(self, args: dict) -> dict:
        return {
            'kind': 'ssg-encoder', 'format': ENCODER_FORMAT,
            'encoder': self.enc.state_dict(), 'encoder_spec': self.enc.spec(), 'opt': self.opt.state_dict(),
            'feature_net': self.feature_net.state_dict() if self.feature_net is not None else None,
            'w_avg': self.w_avg.clone(), 'args': args,
            'training': ckpt.progress(self, iterations=self.iterations, loss_weights=LOSS_WEIGHTS),
        }

    def load(self, ck: dict) -> None:
        self.enc.load_state_dict(ck['encoder'])
        self.opt.load_state_dict(ck['opt'])
        if self.feature_net is not None and ck.get('feature_net') is not None:
            self.feature_net.load_state_dict(ck['feature_net'])
        ckpt.restore_progress(self, ck['training'])


def manifest_w_avg(model_dir: str, c: ModelConfig) -> torch.Tensor:
    mf = os.path.join(model_dir, 'manifest.json')
    if not os.path.isfile(mf):
        raise ckpt.CheckpointError(f'{model_dir} has no manifest.json')
    with open(mf) as f:
        man = json.load(f)
    if man['config']['size'] != c.size or man['layout']['nLatent'] != c.n_latent or man['layout']['dim'] != c.latent:
        raise ckpt.CheckpointError(f'{model_dir} is not the model of this checkpoint ({man["config"]["size"]} px, '
                                   f'W+ [{man["layout"]["nLatent"]}, {man["layout"]["dim"]}])')
    return torch.tensor(man['w_avg'], dtype=torch.float32)


def load_encoder_checkpoint(path: str) -> dict:
    if not os.path.isfile(path):
        raise ckpt.CheckpointError(f'checkpoint {path} does not exist')
    try:
        ck = torch.load(path, map_location='cpu')
    except Exception as e:  # noqa: BLE001
        raise ckpt.CheckpointError(f'{path} is not a PyTorch checkpoint ({e})')
    if not isinstance(ck, dict) or ck.get('kind') != 'ssg-encoder':
        raise ckpt.CheckpointError(f'{path} is not an encoder checkpoint (made by `ssg train-encoder`)')
    return ck


def restyle_from_checkpoint(ck: dict) -> Encoder:
    """The ReStyle encoder of a train-encoder checkpoint (encoders.py picks the kind)."""
    s = ck['encoder_spec']
    enc = Encoder(s['size'], s['n_latent'], s['dim'], ck['w_avg'], base=s['base'], hidden=s['hidden']).eval()
    enc.load_state_dict(ck['encoder'])
    return enc


@torch.no_grad()
def invert(enc: Encoder, g: Generator, target: torch.Tensor, iterations: int) -> List[Dict[str, torch.Tensor]]:
    """Renders after 0..iterations steps: [{latent, image, segmentation}, ...]."""
    B = target.shape[0]
    w = g.broadcast(enc.w_avg.view(1, -1)).expand(B, -1, -1)
    out = g(w)
    steps = [{'latent': w, 'image': out['image'].clamp(-1, 1), 'segmentation': out['segmentation']}]
    for _ in range(iterations):
        w = w + enc(target, steps[-1]['image'], w)
        out = g(w)
        steps.append({'latent': w, 'image': out['image'].clamp(-1, 1), 'segmentation': out['segmentation']})
    return steps


@torch.no_grad()
def sample_sheet(tr: EncoderTrainer, targets: torch.Tensor, path: str) -> None:
    steps = invert(tr.enc.eval(), tr.g, targets, tr.iterations)
    tr.enc.train()
    rows = [[image_u8(x) for x in targets]] + [[image_u8(x) for x in s['image']] for s in steps]
    rows.append([mask_u8(s) for s in steps[-1]['segmentation'].argmax(1)])
    grid(rows, scale=2).save(path)


def run(o, resume: Optional[dict], model_ckpt: str, g: Generator) -> None:
    """`ssg train-encoder` for a model that is not part-coded (encoders.train dispatches)."""
    c = g.c
    real_u8 = real_labels = None
    if o.data:
        real_u8, real_labels, _ = load_labelled(o.data, c.size, c.seg_dim, o.max_images)
    iterations = resume['training']['iterations'] if resume else o.iterations
    feature_net = None
    if resume is not None and resume.get('feature_net') is not None:
        feature_net = FeatureNet(c.seg_dim)
    elif o.feature_steps > 0 and real_u8 is not None:
        t0 = time.time()
        feature_net = train_feature_net(real_u8, real_labels, c.seg_dim, o.feature_steps, seed=o.seed)
        print(f'perceptual feature net: {o.feature_steps} steps in {time.time() - t0:.0f} s', flush=True)
    spec = resume['encoder_spec'] if resume else {'base': o.base, 'hidden': o.hidden}
    w_avg = resume['w_avg'] if resume else (manifest_w_avg(o.model_dir, c) if o.model_dir else None)
    tr = EncoderTrainer(g, feature_net, iterations=iterations, lr=o.lr, seed=o.seed, base=spec['base'],
                        hidden=spec['hidden'], w_avg=w_avg)
    if resume is not None:
        tr.load(resume)
    args = {'model_ckpt': os.path.abspath(model_ckpt), 'dataset': os.path.abspath(o.data) if o.data else None,
            'dataset_count': int(real_u8.shape[0]) if real_u8 is not None else 0, 'batch': o.batch, 'lr': o.lr,
            'real_share': o.real_share if o.data else 0.0, 'iterations': iterations, 'bf16': bool(o.bf16)}
    sheet_targets = sample_wplus(g, 4, torch.Generator().manual_seed(123))
    with torch.no_grad():
        sheet_targets = g(sheet_targets)['image'].clamp(-1, 1)
    if real_u8 is not None:
        sheet_targets = torch.cat([sheet_targets, to_float(real_u8[:4])])
    n_params = sum(p.numel() for p in tr.enc.parameters())
    loop = TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every)
    share = f", {args['real_share']:.0%} from {args['dataset_count']} dataset images" if o.data else ''
    print(f'training an encoder ({n_params / 1e6:.2f} M parameters, {iterations} iterations) for {c.size} px, '
          f'batch {o.batch}{share}, to {o.kimg} kimg (at {tr.images_seen / 1000:.2f} kimg)', flush=True)
    loop.run(lambda: tr.images_seen,
             lambda: tr.train_step(o.batch, real_u8, real_labels, o.real_share, o.bf16),
             lambda: ckpt.save_atomic(tr.state(args), os.path.join(o.out, 'latest.pt')),
             lambda path: sample_sheet(tr, sheet_targets, path))

