"""Part-coded training (`ssg train --mode parts`): the generator learns to draw each face from codes
computed from its facesjs parameters, one W+ row per part (part_codes.py), and to draw every exact
swap of `ssg make-composites` from A's rows with B's rows of the swapped component. The composites
are what teach the rows to stay apart where the dataset couples them (one skin colour for face, nose,
ears and neck; one hair colour for hair, eyebrows and beard). A share of each batch is rendered
from truncated codes (toward the mean, as the served truncation does) and held to the same picture,
so that psi < 1 still draws a face."""
import copy
import os
from typing import Dict, Optional, Tuple

import torch

from . import checkpoint as ckpt
from . import losses as L
from .config import PRESETS
from .data import adopt_classes, load_composites, load_labelled, to_float
from .generator import Generator
from .loop import TrainLoop
from .part_codes import PartCodes, build_mapping, build_schema, encode_params, load_params, mask_modulations
from .recon import CHANGED_PIXEL_EMPHASIS, EMA_HALF_LIFE_IMAGES, LOSS_WEIGHTS, pixel_shares, swap_rows
from .sheets import grid, image_and_mask_rows, image_u8

# The reconstruction losses, with edges counted twice as much: facesjs draws crisp black outlines.
PARTS_LOSS_WEIGHTS = LOSS_WEIGHTS | {'grad': 1.0, 'comp_grad': 1.0, 'keep': 20.0}
# 'keep': a swap must leave alone what the true swap leaves alone. Each composite is rendered beside
# its face A (same code, same psi), and where the truth equals A's picture the two renders are held
# together: the blurred halo of a swapped eye or mouth is what cost locality.
# Share of faces rendered from truncated codes, and the lowest psi they get.
TRUNCATED_SHARE = 0.25
TRUNCATED_PSI = 0.5


class PartTrainer:
    def __init__(self, cfg, schema: dict, lr: float, code_lr: float, seed: int):
        torch.manual_seed(seed)
        self.cfg = cfg
        self.schema = schema
        self.g = Generator(cfg)
        mask_modulations(self.g, schema)
        self.g_ema = copy.deepcopy(self.g).eval()
        for p in self.g_ema.parameters():
            p.requires_grad_(False)
        self.codes = PartCodes(schema)
        params = [p for n, p in self.g.named_parameters() if not n.startswith('style.')]
        self.opt = torch.optim.Adam([{'params': params, 'lr': lr},
                                     {'params': list(self.codes.parameters()), 'lr': code_lr}], betas=(0.9, 0.99))
        self.sampler = torch.Generator().manual_seed(seed + 1)
        self.step = 0
        self.images_seen = 0
        self.class_w = torch.ones(cfg.seg_dim)

    def warm_start(self, ck: dict) -> int:
        """Takes every tensor of a trained 64 px generator whose name and shape match (the local and
        render nets; not the modulations, whose latent is new)."""
        old = Generator(ckpt.config_of(ck))
        old.load_state_dict_authors(ck['g_ema'])
        own = dict(self.g.named_parameters())
        n = 0
        with torch.no_grad():
            for name, p in old.named_parameters():
                if name in own and own[name].shape == p.shape and not name.startswith('style.'):
                    own[name].copy_(p)
                    n += 1
            self.g_ema.load_state_dict(self.g.state_dict())
        return n

    def draw_psi(self, B: int) -> torch.Tensor:
        """Per face the truncation it is rendered at: 1, or for TRUNCATED_SHARE of them less."""
        pick = torch.rand(B, generator=self.sampler) < TRUNCATED_SHARE
        psi = TRUNCATED_PSI + (1 - TRUNCATED_PSI) * torch.rand(B, generator=self.sampler)
        return torch.where(pick, psi, torch.ones(B))[:, None, None]

    def train_step(self, images_u8, labels, enc, composites, batch: int, comp_batch: int, bf16: bool) -> Dict[str, float]:
        c = self.cfg
        N = images_u8.shape[0]
        code = lambda i: self.codes(enc['cat'][i], enc['num'][i])  # noqa: E731
        with torch.no_grad():
            mean = code(torch.randint(0, N, (256,), generator=self.sampler)).mean(0)
        psi = self.draw_psi(batch)
        j = None
        if composites is not None and comp_batch:
            cimg_u8, clab, meta = composites
            j = torch.randint(0, cimg_u8.shape[0], (comp_batch,), generator=self.sampler)
        # Paired: the faces are the composites' A faces, at the same psi (the 'keep' loss).
        paired = j is not None and comp_batch == batch
        idx = meta['a'][j] if paired else torch.randint(0, N, (batch,), generator=self.sampler)
        truncate = lambda w, p: mean + p * (w - mean)  # noqa: E731
        wplus = [truncate(code(idx), psi)]
        targets, target_labels = [to_float(images_u8[idx])], [labels[idx]]
        emphasis = None
        if j is not None:
            a, b = meta['a'][j], meta['b'][j]
            rows = swap_rows(c, meta['component'][j], meta['part'][j])
            wplus.append(truncate(torch.where(rows[:, :, None], code(b), code(a)),
                                  psi if paired else self.draw_psi(comp_batch)))
            cimg = to_float(cimg_u8[j])
            changed = (cimg - (targets[0] if paired else to_float(images_u8[a]))).abs().amax(1) > 0.1
            targets.append(cimg)
            target_labels.append(clab[j])
            emphasis = 1.0 + (CHANGED_PIXEL_EMPHASIS - 1.0) * changed.float()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = self.g(torch.cat(wplus))
        parts = L.image_and_mask_losses({k: v[:batch] for k, v in out.items()}, targets[0], target_labels[0],
                                        c.seg_dim, c.coarse_size, self.class_w)
        if emphasis is not None:
            comp = L.image_and_mask_losses({k: v[batch:] for k, v in out.items()}, targets[1], target_labels[1],
                                           c.seg_dim, c.coarse_size, self.class_w, emphasis)
            parts |= {f'comp_{k}': v for k, v in comp.items()}
            if paired:
                same = (~changed).float()
                diff = (out['image'][batch:].float() - out['image'][:batch].float()).abs().mean(1)
                parts['keep'] = (diff * same).sum() / same.sum().clamp_min(1)
        total = sum(PARTS_LOSS_WEIGHTS[k] * v for k, v in parts.items())
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        self.opt.step()
        n = batch + (comp_batch if emphasis is not None else 0)
        L.ema_update(self.g_ema, self.g, 0.5 ** (n / EMA_HALF_LIFE_IMAGES))
        self.step += 1
        self.images_seen += n
        shown = ('l1', 'seg', 'comp_l1', 'comp_seg', 'keep')
        return {k: float(parts[k]) for k in shown if k in parts} | {'total': float(total)}

    def state(self, args: dict) -> dict:
        return {
            'g': self.g.state_dict_authors(), 'g_ema': self.g_ema.state_dict_authors(), 'd': None,
            'g_optim': self.opt.state_dict(), 'codes': None, 'part_codes': self.codes.state_dict(),
            'part_schema': self.schema, 'args': args,
            'training': ckpt.progress(self, kind='parts', loss_weights=PARTS_LOSS_WEIGHTS),
        }

    def load(self, ck: dict) -> None:
        self.g.load_state_dict_authors(ck['g'])
        self.g_ema.load_state_dict_authors(ck['g_ema'])
        mask_modulations(self.g, self.schema)
        mask_modulations(self.g_ema, self.schema)
        self.codes.load_state_dict(ck['part_codes'])
        if ck.get('g_optim') is not None:  # the committed checkpoint leaves it out (size): Adam restarts
            self.opt.load_state_dict(ck['g_optim'])
        ckpt.restore_progress(self, ck['training'])


def sampling_generator(g: Generator, codes: PartCodes) -> Generator:
    """A copy of g with the built mapping (what the exported model samples with)."""
    s = copy.deepcopy(g)
    build_mapping(s, codes)
    return s


@torch.no_grad()
def sample_sheet(tr: PartTrainer, images_u8, labels, enc, composites, path: str, n: int = 10) -> None:
    """Rows: faces, their reconstructions; exact swaps (one per component) beside the model's; samples
    from the built mapping at psi 1 and 0.7, with masks."""
    g = tr.g_ema
    idx = torch.arange(n)
    rows = [[image_u8(x) for x in to_float(images_u8[idx])]]
    rows += image_and_mask_rows(g(tr.codes(enc['cat'][idx], enc['num'][idx])))[:1]
    if composites is not None:
        cimg_u8, _, meta = composites
        first = [int((meta['component'] == k).nonzero()[0]) for k in range(tr.cfg.seg_dim)
                 if bool((meta['component'] == k).any())][:n]
        j = torch.tensor(first)
        a, b = meta['a'][j], meta['b'][j]
        ca, cb = tr.codes(enc['cat'][a], enc['num'][a]), tr.codes(enc['cat'][b], enc['num'][b])
        mixed = torch.where(swap_rows(tr.cfg, meta['component'][j], meta['part'][j])[:, :, None], cb, ca)
        rows.append([image_u8(x) for x in to_float(images_u8[a])])
        rows.append([image_u8(x) for x in to_float(images_u8[b])])
        rows.append([image_u8(x) for x in to_float(cimg_u8[j])])
        rows.append([image_u8(x) for x in g(mixed)['image']])
    s = sampling_generator(g, tr.codes)
    z = torch.randn(n, tr.cfg.latent, generator=torch.Generator().manual_seed(7))
    w = s.mapping(z)
    rows += image_and_mask_rows(s(s.broadcast(w)))
    w_avg = s.mapping(torch.randn(2000, tr.cfg.latent, generator=torch.Generator().manual_seed(8))).mean(0)
    rows += image_and_mask_rows(s(s.broadcast(w_avg + 0.7 * (w - w_avg))))[:1]
    grid(rows, scale=2).save(path)


def run(o) -> None:
    ck = ckpt.load(o.resume) if o.resume else None
    cfg = ckpt.config_of(ck) if ck is not None else copy.deepcopy(PRESETS[o.preset])
    # Rows are kept apart by construction here, so the image loss may train the shape layers too:
    # eyes and mouths have only a shape row, and their look must come from it (rendering is unchanged).
    cfg.detach_texture = False
    images_u8, labels, meta = load_labelled(o.data, cfg.size, cfg.seg_dim, o.max_images)
    adopt_classes(cfg, meta)
    params = load_params(o.data, images_u8.shape[0])
    schema = ck['part_schema'] if ck is not None else build_schema(cfg, params)
    enc = encode_params(schema, params)
    torch.set_num_threads(o.threads)
    tr = PartTrainer(cfg, schema, o.lr, o.code_lr, o.seed)
    if ck is not None:
        tr.load(ck)
        # --lr and --code-lr hold on a resume too (lower them to refine a run).
        tr.opt.param_groups[0]['lr'], tr.opt.param_groups[1]['lr'] = o.lr, o.code_lr
    elif o.warm_start:
        n = tr.warm_start(ckpt.load(o.warm_start))
        print(f'warm start: {n} tensors from {o.warm_start}', flush=True)
    tr.class_w = L.class_weights(pixel_shares(labels, cfg.seg_dim))
    composites = load_composites(o.data, cfg.size, cfg.seg_dim, cfg.class_names)
    comp_batch = o.batch if composites is not None else 0
    if composites is not None:
        keep = (composites[2]['a'] < images_u8.shape[0]) & (composites[2]['b'] < images_u8.shape[0])
        composites = (composites[0][keep], composites[1][keep], {k: v[keep] for k, v in composites[2].items()})
    used = sum(s['width'] for s in schema['slots'])
    args = cfg.as_args() | {'batch': o.batch, 'lr': o.lr, 'code_lr': o.code_lr, 'dataset': os.path.abspath(o.data),
                            'dataset_count': int(images_u8.shape[0]), 'training': 'part-coded reconstruction'}
    loop = TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every)
    print(f'part-coded training on {images_u8.shape[0]} faces of {cfg.size} px and '
          f'{0 if composites is None else composites[0].shape[0]} exact swaps: {len(schema["variables"])} parameters '
          f'in {used} of {cfg.latent} latent dimensions, batch {o.batch} + {comp_batch}, to {o.kimg} kimg '
          f'(at {tr.images_seen / 1000:.2f} kimg)', flush=True)
    loop.run(lambda: tr.images_seen,
             lambda: tr.train_step(images_u8, labels, enc, composites, o.batch, comp_batch, o.bf16),
             lambda: ckpt.save_atomic(tr.state(args), os.path.join(o.out, 'latest.pt')),
             lambda path: sample_sheet(tr, images_u8, labels, enc, composites, path))


def exportable(ck: dict) -> Optional[Tuple[Generator, dict]]:
    """For a part-coded checkpoint: its g_ema with the modulation mask folded in and the mapping
    built, and what an encoder needs to write codes in that model's W+ (schema, codes, shift)."""
    if ck.get('part_schema') is None:
        return None
    cfg = ckpt.config_of(ck)
    g = Generator(cfg)
    g.load_state_dict_authors(ck['g_ema'])
    codes = PartCodes(ck['part_schema'])
    codes.load_state_dict(ck['part_codes'])
    mask_modulations(g, ck['part_schema'])
    built = build_mapping(g, codes)
    return g, {'part_schema': ck['part_schema'], 'part_codes': ck['part_codes'], 'part_delta': built['delta'],
               'mapping_units': built['units']}
