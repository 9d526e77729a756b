"""Part codes: every W+ row of a cartoon model computed from the facesjs parameters of its own part.

facesjs draws a face from a parameter object, and docs/model/swap-truth.md says which parameters
each component's shape and texture copy in an exact swap. Here each W+ row gets its own slot of
the latent's dimensions, and the code in that slot is a learned function of exactly those
parameters: a learned vector per category (eye id, hair colour, ...) plus a learned direction per
numeric value (eye angle, a team colour channel, ...), each numeric value first turned into a
normal score through its dataset quantiles. The generator's modulations read only their row's
slot (`modulation_mask`), so:

- "A with B's eyes" is A's W+ with B's eye rows, and it is exactly what the dataset would draw;
  swaps are not hoped for, they are what the model is trained on from the first step;
- a sampled face (every row equal to one w) reads each part from that part's slot, so the mapping
  can be built, not fitted: `build_mapping` turns z, one normal variable per parameter, into a
  category by its quantiles (categories in their dataset shares, rare parts included) and into the
  learned codes, with the network the served mapping already is (PixelNorm, EqualLinear + lrelu).
"""
import json
import math
import os
from bisect import bisect_left, bisect_right
from statistics import NormalDist
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from .config import ModelConfig
from .generator import MAPPING_LR_MUL, Generator
from .ops import LRELU_SLOPE, SQRT2

# What each component's rows are computed from: (shape parameters, texture parameters), the paths
# into a params/NNNNNN.json file, as docs/model/swap-truth.md (src/dataset/swap-truth.ts) copies
# them. `:` marks numeric leaves; `#rgb` a colour (three numeric channels), `#team` the three team colours.
PART_SOURCES: Dict[str, Tuple[List[str], List[str]]] = {
    'background': ([], ['background#rgb']),
    'face': (['face.head.id', 'face.eyeLine.id', 'face.smileLine.id', 'face.smileLine.size:', 'face.miscLine.id'],
             ['face.body.color', 'face.head.shave']),
    'eyes': (['face.eye.id', 'face.eye.angle:'], []),
    'eyebrows': (['face.eyebrow.id', 'face.eyebrow.angle:'], ['face.hair.color']),
    'mouth': (['face.mouth.id', 'face.mouth.flip'], []),
    'nose': (['face.nose.id', 'face.nose.flip', 'face.nose.size:'], ['face.body.color']),
    'ears': (['face.ear.id', 'face.ear.size:'], ['face.body.color']),
    'hair': (['face.hairBg.id', 'face.hair.id', 'face.hair.flip'], ['face.hair.color']),
    'neck': (['face.body.id', 'face.body.size:'], ['face.body.color']),
    'cloth': (['face.jersey.id'], ['face.teamColors#team']),
    'eyeglasses': (['face.glasses.id'], ['face.teamColors#team']),
    'hat': (['face.accessories.id'], ['face.teamColors#team']),
    'facial_hair': (['face.facialHair.id'], ['face.hair.color', 'face.teamColors#team']),
}
# The coarse rows: what belongs to no one part (fatness scales head, ears, hair, beard and hat).
COARSE_SOURCES = ['face.fatness:']
# Categories a sampled face can take, per parameter: the most frequent ones, the rest's share given
# to them (rare parts keep their total share). Bounded by the mapping's width (2 units a boundary).
SAMPLED_CATEGORIES = 20
# Steepness of the sampler's steps between categories, in units of z: 1/RAMP of z is a blend.
RAMP = 60.0
# Numeric values are normal scores of their dataset quantile, clipped here.
SCORE_CLIP = 3.0
SCHEMA_FORMAT = 1


def _leaf(params: dict, path: str):
    v = params
    for key in path.split('.'):
        v = v[key]
    return v


def _hex_rgb(h: str) -> List[float]:
    h = h.lstrip('#')
    return [int(h[i:i + 2], 16) / 255.0 for i in (0, 2, 4)]


def variables_of(source: str) -> List[dict]:
    """The scalar variables one source path stands for: one categorical, or one or more numbers."""
    if source.endswith('#rgb'):
        p = source[:-4]
        return [{'name': f'{p}.{c}', 'path': p, 'kind': 'num', 'read': ('rgb', 0, i)} for i, c in enumerate('rgb')]
    if source.endswith('#team'):
        p = source[:-5]
        return [{'name': f'{p}.{t}.{c}', 'path': p, 'kind': 'num', 'read': ('rgb', t, i)}
                for t in range(3) for i, c in enumerate('rgb')]
    if source.endswith(':'):
        return [{'name': source[:-1], 'path': source[:-1], 'kind': 'num', 'read': ('num',)}]
    return [{'name': source, 'path': source, 'kind': 'cat', 'read': ('cat',)}]


def read_value(params: dict, var: dict):
    v = _leaf(params, var['path'])
    how = var['read']
    if how[0] == 'rgb':
        return _hex_rgb(v[how[1]] if isinstance(v, list) else v)[how[2]]
    if how[0] == 'num':
        return float(v)
    return json.dumps(v)


def row_sources(cfg: ModelConfig) -> List[List[str]]:
    """Per W+ row, the source paths its slot is computed from."""
    rows: List[List[str]] = [list(COARSE_SOURCES) for _ in range(cfg.base_layers)]
    for name in cfg.class_names:
        shape, texture = PART_SOURCES[name]
        rows += [list(shape), list(texture)]
    return rows


def slot_width(sources: List[str]) -> int:
    if not sources:
        return 0
    n_cat = sum(1 for s in sources for v in variables_of(s) if v['kind'] == 'cat')
    n_num = sum(1 for s in sources for v in variables_of(s) if v['kind'] == 'num')
    return min(32, 8 + 4 * n_cat + n_num)


def load_params(data_dir: str, count: int) -> List[dict]:
    names = sorted(f for f in os.listdir(os.path.join(data_dir, 'params')) if f.endswith('.json'))[:count]
    if len(names) != count:
        raise ValueError(f'{data_dir}/params has {len(names)} parameter files for {count} images: '
                         'make the dataset again with `ssg make-dataset` (it writes params/)')
    return [json.load(open(os.path.join(data_dir, 'params', n))) for n in names]


def build_schema(cfg: ModelConfig, params: List[dict]) -> dict:
    """Variables (with vocabularies and quantiles from `params`), and per row its slot and variables."""
    rows = row_sources(cfg)
    variables: Dict[str, dict] = {}
    for sources in rows:
        for s in sources:
            for v in variables_of(s):
                variables.setdefault(v['name'], v)
    for v in variables.values():
        values = [read_value(p, v) for p in params]
        if v['kind'] == 'cat':
            counts: Dict[str, int] = {}
            for x in values:
                counts[x] = counts.get(x, 0) + 1
            vocab = sorted(counts, key=lambda x: (-counts[x], x))
            v['vocab'] = vocab
            v['share'] = [counts[x] / len(values) for x in vocab]
        else:
            xs = sorted(values)
            # 201 quantiles: enough to turn a value into its normal score by interpolation.
            v['quantiles'] = [xs[min(len(xs) - 1, round(q * (len(xs) - 1) / 200))] for q in range(201)]
    offset = 0
    slots = []
    for sources in rows:
        width = slot_width(sources)
        names = [v['name'] for s in sources for v in variables_of(s)]
        slots.append({'sources': sources, 'variables': names, 'offset': offset, 'width': width})
        offset += width
    if offset > cfg.latent:
        raise ValueError(f'the part slots need {offset} latent dimensions, the model has {cfg.latent}')
    order = list(variables)
    return {'format': SCHEMA_FORMAT, 'variables': [variables[n] for n in order], 'slots': slots,
            'latent': cfg.latent, 'n_latent': cfg.n_latent}


def normal_score(quantiles: List[float], x: float) -> float:
    """x's place among the dataset's values, as a normal score (ties: the middle of their run)."""
    n = len(quantiles) - 1
    lo, hi = bisect_left(quantiles, x), bisect_right(quantiles, x)
    if hi == 0:
        u = 0.5 / (n + 1)
    elif lo > n:
        u = 1 - 0.5 / (n + 1)
    else:
        u = ((lo + hi) / 2) / (n + 1)
    u = min(max(u, 1e-4), 1 - 1e-4)
    return max(-SCORE_CLIP, min(SCORE_CLIP, NormalDist().inv_cdf(u)))


def encode_params(schema: dict, params: List[dict]) -> Dict[str, torch.Tensor]:
    """Per face, the category index of every categorical variable and the normal score of every
    numeric one, in schema order: {'cat': [N, n_cat] long, 'num': [N, n_num] float}."""
    cats = [v for v in schema['variables'] if v['kind'] == 'cat']
    nums = [v for v in schema['variables'] if v['kind'] == 'num']
    cat = torch.zeros(len(params), len(cats), dtype=torch.long)
    num = torch.zeros(len(params), len(nums))
    index = [{x: i for i, x in enumerate(v['vocab'])} for v in cats]
    for i, p in enumerate(params):
        for j, v in enumerate(cats):
            cat[i, j] = index[j].get(read_value(p, v), 0)  # unseen category: the most frequent
        for j, v in enumerate(nums):
            num[i, j] = normal_score(v['quantiles'], read_value(p, v))
    return {'cat': cat, 'num': num}


class PartCodes(nn.Module):
    """(categories, scores) -> W+ [B, n_latent, D]: each row's slot is its variables' learned
    vectors summed (one table per row and categorical variable, one direction per row and numeric
    variable), times a gain that gives every slot the weight of the whole latent; zero elsewhere."""

    def __init__(self, schema: dict):
        super().__init__()
        self.schema = schema
        cats = [v['name'] for v in schema['variables'] if v['kind'] == 'cat']
        nums = [v['name'] for v in schema['variables'] if v['kind'] == 'num']
        self.D, self.n_latent = schema['latent'], schema['n_latent']
        self.tables = nn.ParameterList()
        self.table_use: List[Tuple[int, int]] = []  # (row, categorical variable index)
        self.dirs = nn.ParameterList()
        self.dir_use: List[Tuple[int, List[int]]] = []  # (row, numeric variable indices)
        vocab = {v['name']: len(v['vocab']) for v in schema['variables'] if v['kind'] == 'cat'}
        for r, slot in enumerate(schema['slots']):
            w = slot['width']
            if w == 0:
                continue
            num_idx = []
            for name in slot['variables']:
                if name in vocab:
                    self.tables.append(nn.Parameter(torch.randn(vocab[name], w)))
                    self.table_use.append((r, cats.index(name)))
                else:
                    num_idx.append(nums.index(name))
            if num_idx:
                self.dirs.append(nn.Parameter(torch.randn(len(num_idx), w) / math.sqrt(len(num_idx))))
                self.dir_use.append((r, num_idx))

    def gain(self, r: int) -> float:
        return math.sqrt(self.D / self.schema['slots'][r]['width'])

    def slot_codes(self, cat: torch.Tensor, num: torch.Tensor) -> List[Optional[torch.Tensor]]:
        out: List[Optional[torch.Tensor]] = [None] * self.n_latent
        for table, (r, j) in zip(self.tables, self.table_use):
            v = table[cat[:, j]]
            out[r] = v if out[r] is None else out[r] + v
        for d, (r, idx) in zip(self.dirs, self.dir_use):
            v = num[:, idx] @ d
            out[r] = v if out[r] is None else out[r] + v
        return [None if o is None else o * self.gain(r) for r, o in enumerate(out)]

    def forward(self, cat: torch.Tensor, num: torch.Tensor) -> torch.Tensor:
        B = cat.shape[0]
        w = torch.zeros(B, self.n_latent, self.D, device=cat.device)
        for r, code in enumerate(self.slot_codes(cat, num)):
            if code is not None:
                s = self.schema['slots'][r]
                w[:, r, s['offset']:s['offset'] + s['width']] = code
        return w

    def broadcast_w(self, cat: torch.Tensor, num: torch.Tensor) -> torch.Tensor:
        """The single w [B, D] whose every row reads as this face (each row's slot holds its code)."""
        return self.forward(cat, num).sum(1)


def modulation_mask(schema: dict, g: Generator) -> torch.Tensor:
    """[K, L, D]: 1 where layer j of local generator k may read the latent (its row's slot)."""
    ln = g.local_nets
    K, L = ln.rows.shape
    mask = torch.zeros(K, L, schema['latent'])
    for k in range(K):
        for j in range(L):
            s = schema['slots'][int(ln.rows[k, j])]
            mask[k, j, s['offset']:s['offset'] + s['width']] = 1.0
    return mask


@torch.no_grad()
def mask_modulations(g: Generator, schema: dict) -> None:
    """Keeps every modulation of g to its row's slot: the mask the forward pass applies, and zeros
    in the weight outside it (so that the stored, masked weight is the trained one)."""
    mask = modulation_mask(schema, g)
    K, L, D = mask.shape
    g.local_nets.mod_mask.copy_(mask.view(K, L, 1, D))
    g.local_nets.mod_weight.mul_(mask[:, :, None, :])


def sampled_categories(share: List[float]) -> List[Tuple[int, float]]:
    """(category, share) a sampled face draws from: the most frequent SAMPLED_CATEGORIES; when one
    category holds most faces ('none' glasses) it keeps its share and the others split the rest, so
    rare parts appear as often as in the dataset."""
    keep = list(range(min(len(share), SAMPLED_CATEGORIES)))
    kept = [share[i] for i in keep]
    total = sum(share)
    if share[0] > 0.4 and len(keep) > 1:
        rest = sum(kept[1:])
        kept = [share[0] / total] + [s / rest * (1 - share[0] / total) for s in kept[1:]]
    else:
        t = sum(kept)
        kept = [s / t for s in kept]
    return list(zip(keep, kept))


@torch.no_grad()
def build_mapping(g: Generator, codes: PartCodes) -> Dict[str, float]:
    """Writes g's mapping (2 layers) so that mapping(z) is the w of a face whose every parameter was
    drawn from its dataset distribution, using z's first dimensions one per parameter:

    layer 1, per numeric variable: lrelu(+x), lrelu(-x), whose difference is 1.2 sqrt2 x;
             per boundary t between two sampled categories: lrelu(RAMP (x - t) + 1/2) and
             lrelu(RAMP (x - t) - 1/2), whose difference is a step from 0 to 0.8 sqrt2 (+ 0.2 sqrt2);
    layer 2, linear in those: the first category's code plus every step times the next category's
             code minus the one before, plus the numeric directions times x; shifted by delta so
             that it is positive (lrelu is then linear), and every modulation bias absorbs -delta.
    PixelNorm scales x by about 1 +- 1/sqrt(2D): a boundary moves by that much."""
    schema = codes.schema
    D = schema['latent']
    cats = [v for v in schema['variables'] if v['kind'] == 'cat']
    nums = [v for v in schema['variables'] if v['kind'] == 'num']
    n_vars = len(cats) + len(nums)
    # Which z dimension carries which variable: categorical first, then numeric.
    zdim = {('cat', j): j for j in range(len(cats))} | {('num', j): len(cats) + j for j in range(len(nums))}
    W1 = torch.zeros(D, D, dtype=torch.float64)
    b1 = torch.zeros(D, dtype=torch.float64)
    units = 0
    # Layer-2 pieces: per unit, its contribution (a D-vector) per unit of h.
    W2 = torch.zeros(D, D, dtype=torch.float64)
    b2 = torch.zeros(D, dtype=torch.float64)
    lo = torch.zeros(D, dtype=torch.float64)  # lowest reachable value per w dimension (for delta)
    nd = NormalDist()

    def place(r: int, vec: torch.Tensor) -> torch.Tensor:
        s = schema['slots'][r]
        full = torch.zeros(D, dtype=torch.float64)
        full[s['offset']:s['offset'] + s['width']] = vec.double() * codes.gain(r)
        return full

    for j, v in enumerate(cats):
        uses = [(t, r) for t, (r, jj) in zip(codes.tables, codes.table_use) if jj == j]
        picks = sampled_categories(v['share'])
        cum, bounds = 0.0, []
        for _, s in picks[:-1]:
            cum += s
            bounds.append(nd.inv_cdf(min(max(cum, 1e-6), 1 - 1e-6)))
        first = sum(place(r, t[picks[0][0]]) for t, r in uses)
        b2 += first
        lowest = first.clone()  # the lowest value any category's code reaches, per dimension
        current = first.clone()
        for bi, tb in enumerate(bounds):
            step = sum(place(r, t[picks[bi + 1][0]] - t[picks[bi][0]]) for t, r in uses)
            for sign in (+0.5, -0.5):
                if units >= D:
                    raise ValueError(f'the mapping needs more than {D} units: lower SAMPLED_CATEGORIES')
                W1[units, zdim[('cat', j)]] = RAMP
                b1[units] = -RAMP * tb + sign
                units += 1
            # step(x) = ((h+ - h-)/sqrt2 - 0.2) / 0.8 with h = lrelu(...)
            W2[:, units - 2] += step / (SQRT2 * 0.8)
            W2[:, units - 1] -= step / (SQRT2 * 0.8)
            b2 -= step * LRELU_SLOPE / 0.8
            # Between two boundaries the code is a category's: track the lowest of them.
            current = current + step
            lowest = torch.minimum(lowest, current)
        lo += lowest
    for j, v in enumerate(nums):
        uses = [(d[idx.index(j)], r) for d, (r, idx) in zip(codes.dirs, codes.dir_use) if j in idx]
        for sign in (+1.0, -1.0):
            if units >= D:
                raise ValueError(f'the mapping needs more than {D} units')
            W1[units, zdim[('num', j)]] = sign
            units += 1
        vec = sum(place(r, d) for d, r in uses)
        # x = (h+ - h-) / (1.2 sqrt2)
        W2[:, units - 2] += vec / (SQRT2 * (1 + LRELU_SLOPE))
        W2[:, units - 1] -= vec / (SQRT2 * (1 + LRELU_SLOPE))
        lo -= vec.abs() * (SCORE_CLIP + 1.5)
    delta = torch.clamp(-lo + 0.05, min=0.0)
    # The layers compute lrelu(x W^T * scale + b * lr_mul); positive pre-activations give sqrt2 * y.
    scale = MAPPING_LR_MUL / math.sqrt(D)
    g.style.weight[0].copy_((W1 / scale).float())
    g.style.bias[0].copy_((b1 / MAPPING_LR_MUL).float())
    g.style.weight[1].copy_((W2 / SQRT2 / scale).float())
    g.style.bias[1].copy_(((b2 + delta) / SQRT2 / MAPPING_LR_MUL).float())
    ln = g.local_nets
    ln.mod_bias.sub_((torch.einsum('klcd,d->klc', (ln.mod_weight * ln.mod_mask).double(), delta) / math.sqrt(D)).float())
    return {'units': units, 'variables': n_vars, 'delta': delta.float()}
