"""The encoder of a part-coded model: a picture -> each W+ row's parameters -> that row's code.

A part-coded model (part_codes.py) draws a row from the facesjs parameters of its part, so inverting
a picture is recognising those parameters: which eye, which hair colour, how wide the nose. A
convolutional net predicts, for every row and every parameter the row is coded from, the category
(softmax over the dataset's vocabulary) or the normal score; the row's code is then the expected
code under those predictions, written where the exported model reads it (+ the export's shift).

It is trained on pictures whose parameters are known exactly: the dataset's faces and its exact
swaps (a composite's rows come from A or B as the swap says, so the eyebrow row of a hair-colour
swap still names A's colour). It never needs the generator, so it trains fast and can be trained
before the generator is done; `attach` writes the codes of the model it is exported with.

It keeps the served encoder's contract, `(image, reconstruction, latent) -> delta` (the ReStyle
step): delta = codes - latent, so the first iteration lands and later ones stay.
"""
import json
import math
import os
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import config_of, save_atomic
from .data import load_composites, load_labelled, to_float
from .encoder import ENCODER_FORMAT, ResBlock, load_encoder_checkpoint
from .part_codes import PartCodes, encode_params, load_params
from .loop import TrainLoop
from .recon import swap_rows

PART_ENCODER_FORMAT = 1
# Softmax temperature at inference: sharper than training's, so a confident guess is one category.
SHARPEN = 3.0
STAGES = (24, 48, 96, 160, 256)
# Residual blocks from this stage on (the 32 px stage has none: it is the costly one).
RES_FROM = 2


def heads_of(schema: dict) -> Tuple[List[Tuple[int, int, int]], List[Tuple[int, int]]]:
    """Per row and variable: categorical heads (row, categorical index, vocabulary size) and numeric
    heads (row, numeric index)."""
    cats = [v for v in schema['variables'] if v['kind'] == 'cat']
    nums = [v for v in schema['variables'] if v['kind'] == 'num']
    cat_names = [v['name'] for v in cats]
    num_names = [v['name'] for v in nums]
    cat_heads, num_heads = [], []
    for r, slot in enumerate(schema['slots']):
        for name in slot['variables']:
            if name in cat_names:
                j = cat_names.index(name)
                cat_heads.append((r, j, len(cats[j]['vocab'])))
            else:
                num_heads.append((r, num_names.index(name)))
    return cat_heads, num_heads


class PartEncoder(nn.Module):
    def __init__(self, schema: dict, size: int, hidden: int = 512):
        super().__init__()
        self.schema = schema
        self.size, self.n_latent, self.dim, self.hidden = size, schema['n_latent'], schema['latent'], hidden
        layers: List[nn.Module] = [nn.Conv2d(3, STAGES[0], 3, padding=1), nn.LeakyReLU(0.2)]
        cin = STAGES[0]
        side = size
        for i, c in enumerate(STAGES[1:], 1):
            layers += [nn.Conv2d(cin, c, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
            if i >= RES_FROM:
                layers.append(ResBlock(c))
            cin, side = c, side // 2
        self.features = nn.Sequential(*layers)
        self.to_hidden = nn.Linear(cin * side * side, hidden)
        self.cat_heads, self.num_heads = heads_of(schema)
        self.cat_out = nn.Linear(hidden, sum(v for _, _, v in self.cat_heads))
        self.num_out = nn.Linear(hidden, max(1, len(self.num_heads)))
        # What `attach` fills: per categorical head its categories' codes [V, D], per numeric head its
        # direction [D], and the row base [n_latent, D] (the export's shift).
        D = self.dim
        self.register_buffer('cat_codes', torch.zeros(sum(v for _, _, v in self.cat_heads), D))
        self.register_buffer('num_dirs', torch.zeros(max(1, len(self.num_heads)), D))
        self.register_buffer('base', torch.zeros(self.n_latent, D))
        self.register_buffer('w_avg', torch.zeros(1, 1, D))

    def predict(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Concatenated category logits [B, sum V] and numeric scores [B, n_num]."""
        h = F.leaky_relu(self.to_hidden(self.features(image).flatten(1)), 0.2)
        return self.cat_out(h), self.num_out(h)

    def codes(self, image: torch.Tensor) -> torch.Tensor:
        logits, scores = self.predict(image)
        B = image.shape[0]
        rows = [self.base[r].expand(B, -1) for r in range(self.n_latent)]
        o = 0
        for r, _, v in self.cat_heads:
            p = F.softmax(logits[:, o:o + v] * SHARPEN, 1)
            rows[r] = rows[r] + p @ self.cat_codes[o:o + v]
            o += v
        for i, (r, _) in enumerate(self.num_heads):
            rows[r] = rows[r] + scores[:, i:i + 1] * self.num_dirs[i]
        return torch.stack(rows, 1)

    def forward(self, image: torch.Tensor, reconstruction: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        return self.codes(image) - latent

    @torch.no_grad()
    def attach(self, model_ck: dict, w_avg: torch.Tensor) -> None:
        """Writes the codes of a part-coded model checkpoint (ssg export-model) into the buffers."""
        if model_ck.get('part_schema') is None:
            raise ValueError('the model checkpoint is not part-coded (ssg train --mode parts)')
        if [s['variables'] for s in model_ck['part_schema']['slots']] != [s['variables'] for s in self.schema['slots']] \
                or [v.get('vocab') for v in model_ck['part_schema']['variables']] != [v.get('vocab') for v in self.schema['variables']]:
            raise ValueError("the model's part schema is not the one this encoder was trained for")
        pc = PartCodes(model_ck['part_schema'])
        pc.load_state_dict(model_ck['part_codes'])
        tables = {(r, j): t for t, (r, j) in zip(pc.tables, pc.table_use)}
        dirs = {}
        for d, (r, idx) in zip(pc.dirs, pc.dir_use):
            for k, j in enumerate(idx):
                dirs[(r, j)] = d[k]
        slots = self.schema['slots']
        o = 0
        for r, j, v in self.cat_heads:
            s = slots[r]
            self.cat_codes[o:o + v].zero_()
            self.cat_codes[o:o + v, s['offset']:s['offset'] + s['width']] = tables[(r, j)] * pc.gain(r)
            o += v
        for i, (r, j) in enumerate(self.num_heads):
            s = slots[r]
            self.num_dirs[i].zero_()
            self.num_dirs[i, s['offset']:s['offset'] + s['width']] = dirs[(r, j)] * pc.gain(r)
        self.base.copy_(model_ck['part_delta'].view(1, -1).expand(self.n_latent, -1))
        self.w_avg.copy_(w_avg.view(1, 1, -1))

    def spec(self) -> dict:
        return {'kind': 'parts', 'size': self.size, 'n_latent': self.n_latent, 'dim': self.dim, 'hidden': self.hidden,
                'format': PART_ENCODER_FORMAT}


def row_targets(heads: Tuple[list, list], enc: Dict[str, torch.Tensor], a: torch.Tensor, b: Optional[torch.Tensor],
                from_b: Optional[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per head, the true category / score of faces a, or of the composites (rows in from_b from b)."""
    cat_heads, num_heads = heads
    cats, nums = [], []
    for r, j, _ in cat_heads:
        t = enc['cat'][a, j]
        if b is not None:
            t = torch.where(from_b[:, r], enc['cat'][b, j], t)
        cats.append(t)
    for r, j in num_heads:
        t = enc['num'][a, j]
        if b is not None:
            t = torch.where(from_b[:, r], enc['num'][b, j], t)
        nums.append(t)
    return torch.stack(cats, 1), (torch.stack(nums, 1) if nums else torch.zeros(a.shape[0], 1))


def losses(enc: PartEncoder, image: torch.Tensor, cat_t: torch.Tensor, num_t: torch.Tensor) -> Dict[str, torch.Tensor]:
    logits, scores = enc.predict(image)
    ce, correct, o = [], [], 0
    for i, (_, _, v) in enumerate(enc.cat_heads):
        lg = logits[:, o:o + v].float()
        ce.append(F.cross_entropy(lg, cat_t[:, i]))
        correct.append((lg.argmax(1) == cat_t[:, i]).float().mean())
        o += v
    return {'ce': torch.stack(ce).mean(), 'num': F.mse_loss(scores.float()[:, :num_t.shape[1]], num_t),
            'acc': torch.stack(correct).mean().detach()}


class LabelledFaces:
    """Pictures with their per-head targets: dataset faces, extra faces, exact swaps."""

    def __init__(self, schema: dict, heads, data_dirs: List[str], cfg):
        images, cats, nums = [], [], []
        for d in data_dirs:
            imgs, _, _ = load_labelled(d, cfg.size, cfg.seg_dim)
            e = encode_params(schema, load_params(d, imgs.shape[0]))
            idx = torch.arange(imgs.shape[0])
            c, n = row_targets(heads, e, idx, None, None)
            images.append(imgs), cats.append(c), nums.append(n)
            comp = load_composites(d, cfg.size, cfg.seg_dim, cfg.class_names)
            if comp is not None:
                cimg, _, meta = comp
                from_b = swap_rows(cfg, meta['component'], meta['part'])
                c, n = row_targets(heads, e, meta['a'], meta['b'], from_b)
                images.append(cimg), cats.append(c), nums.append(n)
        self.images = torch.cat(images)
        self.cats = torch.cat(cats)
        self.nums = torch.cat(nums)

    def __len__(self):
        return self.images.shape[0]


def accuracy(enc: PartEncoder, faces: LabelledFaces, n: int = 1000) -> Dict[str, float]:
    """Per variable (first head of each), the share of held-out faces whose category is right."""
    enc.eval()
    cat_names = [v['name'] for v in enc.schema['variables'] if v['kind'] == 'cat']
    out: Dict[str, List[float]] = {}
    with torch.no_grad():
        for i in range(0, min(n, len(faces)), 200):
            logits, scores = enc.predict(to_float(faces.images[i:i + 200]))
            o = 0
            for h, (_, j, v) in enumerate(enc.cat_heads):
                out.setdefault(cat_names[j], []).append(float((logits[:, o:o + v].argmax(1) == faces.cats[i:i + 200, h]).float().mean()))
                o += v
            err = (scores[:, :faces.nums.shape[1]] - faces.nums[i:i + 200]).abs().mean()
            out.setdefault('numeric score |error|', []).append(float(err))
    enc.train()
    return {k: round(sum(v) / len(v), 4) for k, v in out.items()}


def mean_row(acc: Dict[str, float]) -> float:
    vals = [v for k, v in acc.items() if not k.startswith('numeric')]
    return sum(vals) / max(1, len(vals))


def lr_at(step: int, total: int, lr: float) -> float:
    """Cosine decay to a tenth, after a short warm-up."""
    warm = 100
    if step < warm:
        return lr * (step + 1) / warm
    t = min(1.0, (step - warm) / max(1, total - warm))
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def checkpoint_state(enc: PartEncoder, opt, step: int, seen: int, args: dict, figures: Optional[dict]) -> dict:
    return {'kind': 'ssg-encoder', 'format': ENCODER_FORMAT, 'encoder': enc.state_dict(), 'encoder_spec': enc.spec(),
            'part_schema': enc.schema, 'opt': opt.state_dict() if opt is not None else None, 'feature_net': None,
            'w_avg': enc.w_avg.view(-1).clone(), 'args': args, 'figures': figures,
            'training': {'step': step, 'images_seen': seen, 'iterations': 1, 'kind': 'parts'}}


def run(o, model_ckpt: str, model_ck: dict, w_avg: torch.Tensor) -> None:
    """`ssg train-encoder` for a part-coded model."""
    torch.manual_seed(o.seed)
    torch.set_num_threads(o.threads)
    cfg = config_of(model_ck)
    schema = model_ck['part_schema']
    resume = load_encoder_checkpoint(o.resume) if o.resume else None
    hidden = resume['encoder_spec']['hidden'] if resume else max(o.hidden, 512)
    enc = PartEncoder(schema, cfg.size, hidden)
    opt = torch.optim.Adam(list(enc.parameters()), lr=o.lr, betas=(0.9, 0.99))
    state = {'step': 0, 'seen': 0, 'figures': None}
    if resume is not None:
        enc.load_state_dict(resume['encoder'])
        if resume.get('opt') is not None:  # the committed checkpoint leaves it out (size)
            opt.load_state_dict(resume['opt'])
        state.update(step=resume['training']['step'], seen=resume['training']['images_seen'],
                     figures=resume.get('figures'))
    enc.attach(model_ck, w_avg)
    heads = (enc.cat_heads, enc.num_heads)
    dirs = [o.data] + list(o.extra_data or [])
    faces = LabelledFaces(schema, heads, dirs, cfg)
    held = LabelledFaces(schema, heads, [o.heldout], cfg) if o.heldout else None
    total = int(o.kimg * 1000 / o.batch)
    args = {'model_ckpt': os.path.abspath(model_ckpt), 'dataset': os.path.abspath(o.data),
            'dataset_count': len(faces), 'extra_data': [os.path.abspath(d) for d in dirs[1:]], 'batch': o.batch,
            'lr': o.lr, 'real_share': 1.0, 'iterations': 1, 'bf16': bool(o.bf16)}
    print(f'training a part encoder ({sum(p.numel() for p in enc.parameters()) / 1e6:.2f} M parameters, '
          f'{len(enc.cat_heads)} category and {len(enc.num_heads)} number heads) on {len(faces)} pictures with exact '
          f'parameters, batch {o.batch}, to {o.kimg} kimg (at {state["seen"] / 1000:.2f})', flush=True)
    gen = torch.Generator().manual_seed(o.seed + 1 + state['step'])

    def step() -> Dict[str, float]:
        idx = torch.randint(0, len(faces), (o.batch,), generator=gen)
        for grp in opt.param_groups:
            grp['lr'] = lr_at(state['step'], total, o.lr)
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=o.bf16):
            parts = losses(enc, to_float(faces.images[idx]), faces.cats[idx], faces.nums[idx])
        loss = parts['ce'] + parts['num']
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        state['step'] += 1
        state['seen'] += o.batch
        return {k: float(v) for k, v in parts.items()}

    def evaluate(path: str) -> None:
        if held is None:
            return
        state['figures'] = {'heldout': os.path.abspath(o.heldout), 'accuracy': accuracy(enc, held)}
        with open(path.replace('.png', '.json'), 'w') as f:
            json.dump(state['figures'], f, indent=1)
        print(f'held-out accuracy, mean over categorical parameters: {mean_row(state["figures"]["accuracy"]):.3f}',
              flush=True)

    def save() -> None:
        save_atomic(checkpoint_state(enc, opt, state['step'], state['seen'], args, state['figures']),
                    os.path.join(o.out, 'latest.pt'))

    TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every).run(lambda: state['seen'], step, save, evaluate)
    if state['figures']:
        print('held-out accuracy per parameter: ' + ', '.join(f'{k} {v}' for k, v in state['figures']['accuracy'].items()))
