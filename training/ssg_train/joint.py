"""Joint training: the generator and the image encoder learn together, on what the product does.

A designer's face comes from `importImage` (the encoder's ReStyle iterations from w_avg) and a swap
takes one component's W+ rows from another face. So each step encodes faces A and B of exact part
swaps (`make-composites`), holds both reconstructions to their pictures and masks, and holds
"A's rows with B's rows of the component" to the true composite, with the changed pixels weighed
up. Gradients reach the encoder and the generator through the same path the served swap takes.

The reconstruction codes (one per dataset image, rendered with every row equal) keep training on
a share of each step: the exported mapping is fitted to them, so sampled faces stay on the path
the generator is trained on. Resumes from a reconstruction checkpoint (`ssg train`) and,
optionally, an encoder checkpoint (`ssg train-encoder`) whose convolutions it keeps.
"""
import copy
import os
from typing import Dict

import torch

from . import checkpoint as ckpt
from . import losses as L
from .data import load_composites, load_labelled, to_float
from .encoder import ENCODER_FORMAT, Encoder, load_encoder_checkpoint
from .generator import Generator
from .loop import TrainLoop
from .recon import CHANGED_PIXEL_EMPHASIS, EMA_HALF_LIFE_IMAGES, pixel_shares, swap_rows
from .sheets import grid, image_and_mask_rows, image_u8, mask_u8

LOSS_WEIGHTS = {'l1': 1.0, 'l1_half': 0.5, 'grad': 0.5, 'seg': 0.2, 'coarse': 0.2, 'mask': 1.0,
                'comp_l1': 1.5, 'comp_l1_half': 0.5, 'comp_grad': 0.75, 'comp_seg': 0.3, 'comp_coarse': 0.2,
                'comp_mask': 0.5,
                'glo_l1': 0.5, 'glo_grad': 0.25, 'glo_seg': 0.1, 'glo_coarse': 0.1, 'glo_mask': 0.5, 'code': 1e-3}
# ReStyle iterations a training image gets (the first from w_avg); serving uses the same number.
ITERATIONS = 2


class JointTrainer:
    def __init__(self, recon_ck: dict, enc_ck, hidden: int, lr: float, enc_lr: float, code_lr: float, seed: int):
        torch.manual_seed(seed)
        cfg = ckpt.config_of(recon_ck)
        self.cfg = cfg
        self.g = Generator(cfg)
        self.g.load_state_dict_authors(recon_ck['g'])
        self.g_ema = copy.deepcopy(self.g).eval()
        self.g_ema.load_state_dict_authors(recon_ck['g_ema'])
        for p in self.g_ema.parameters():
            p.requires_grad_(False)
        codes = recon_ck['codes'].float()
        self.codes = torch.nn.Embedding(codes.shape[0], cfg.latent, sparse=True)
        with torch.no_grad():
            self.codes.weight.copy_(codes)
        # Inversions start at the codes' mean in every row (the exported mapping's mean, unshifted).
        self.w_start = codes.mean(0)
        base = 32
        if enc_ck is not None:
            base = enc_ck['encoder_spec']['base']
        self.enc = Encoder(cfg.size, cfg.n_latent, cfg.latent, self.w_start, base=base, hidden=hidden)
        if enc_ck is not None:
            own = self.enc.state_dict()
            kept = {k: v for k, v in enc_ck['encoder'].items() if k in own and own[k].shape == v.shape and k != 'w_avg'}
            self.enc.load_state_dict(kept, strict=False)
            self.enc_kept = len(kept)
        else:
            self.enc_kept = 0
        params = [p for n, p in self.g.named_parameters() if not n.startswith('style.')]
        self.opt = torch.optim.Adam([{'params': params, 'lr': lr}, {'params': self.enc.parameters(), 'lr': enc_lr}],
                                    betas=(0.9, 0.99))
        self.code_opt = torch.optim.SparseAdam(list(self.codes.parameters()), lr=code_lr, betas=(0.9, 0.99))
        self.sampler = torch.Generator().manual_seed(seed + 1)
        self.step = 0
        self.images_seen = 0
        self.class_w = torch.ones(cfg.seg_dim)

    def encode(self, images: torch.Tensor, bf16: bool) -> torch.Tensor:
        """The served inversion (ITERATIONS ReStyle steps from w_start); the last latent keeps its
        graph to every step's encoder pass, the reconstructions it sees are rendered without grad."""
        B = images.shape[0]
        w = self.g.broadcast(self.w_start[None]).expand(B, -1, -1)
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            rec = self.g(w[:1])['image'].float().clamp(-1, 1).expand(B, -1, -1, -1)
        for i in range(ITERATIONS):
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                w = w + self.enc(images, rec, w).float()
            if i + 1 < ITERATIONS:
                with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                    rec = self.g(w.detach())['image'].float().clamp(-1, 1)
        return w

    def train_step(self, images_u8, labels, composites, comp_batch: int, glo_batch: int, bf16: bool) -> Dict[str, float]:
        c = self.cfg
        cimg_u8, clab, meta = composites
        j = torch.randint(0, cimg_u8.shape[0], (comp_batch,), generator=self.sampler)
        a, b = meta['a'][j], meta['b'][j]
        ab = torch.cat([a, b])
        faces = to_float(images_u8[ab])
        w_faces = self.encode(faces, bf16)
        rows = swap_rows(c, meta['component'][j], meta['part'][j])
        w_comp = torch.where(rows[:, :, None], w_faces[comp_batch:], w_faces[:comp_batch])
        g_idx = torch.randint(0, images_u8.shape[0], (glo_batch,), generator=self.sampler)
        w_glo = self.g.broadcast(self.codes(g_idx))
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = self.g(torch.cat([w_faces, w_comp, w_glo]))
        n1, n2 = 2 * comp_batch, 3 * comp_batch
        pick = lambda lo, hi: {k: v[lo:hi] for k, v in out.items()}  # noqa: E731
        parts = L.image_and_mask_losses(pick(0, n1), faces, labels[ab], c.seg_dim, c.coarse_size, self.class_w)
        cimg = to_float(cimg_u8[j])
        changed = (cimg - faces[:comp_batch]).abs().amax(1) > 0.1
        emphasis = 1.0 + (CHANGED_PIXEL_EMPHASIS - 1.0) * changed.float()
        comp = L.image_and_mask_losses(pick(n1, n2), cimg, clab[j], c.seg_dim, c.coarse_size, self.class_w, emphasis)
        parts |= {f'comp_{k}': v for k, v in comp.items()}
        if glo_batch:
            glo = L.image_and_mask_losses(pick(n2, n2 + glo_batch), to_float(images_u8[g_idx]), labels[g_idx],
                                          c.seg_dim, c.coarse_size, self.class_w)
            parts |= {f'glo_{k}': v for k, v in glo.items() if f'glo_{k}' in LOSS_WEIGHTS}
            parts['code'] = self.codes(g_idx).pow(2).mean()
        total = sum(LOSS_WEIGHTS[k] * v for k, v in parts.items() if k in LOSS_WEIGHTS)
        self.opt.zero_grad(set_to_none=True)
        self.code_opt.zero_grad(set_to_none=True)
        total.backward()
        self.opt.step()
        if glo_batch:
            self.code_opt.step()
        n = n2 + glo_batch
        L.ema_update(self.g_ema, self.g, 0.5 ** (n / EMA_HALF_LIFE_IMAGES))
        self.step += 1
        self.images_seen += n
        shown = ('l1', 'seg', 'comp_l1', 'comp_seg', 'glo_l1')
        return {k: float(parts[k]) for k in shown if k in parts} | {'total': float(total)}

    def encoder_state(self, args: dict) -> dict:
        """An `ssg train-encoder`-format checkpoint of the encoder (w_avg in the training codes' space;
        the model export's shift is added when the encoder is exported for that model)."""
        return {'kind': 'ssg-encoder', 'format': ENCODER_FORMAT, 'encoder': self.enc.state_dict(),
                'encoder_spec': self.enc.spec(), 'opt': None, 'feature_net': None, 'w_avg': self.w_start.clone(),
                'args': args | {'iterations': ITERATIONS, 'joint': True},
                'training': {'step': self.step, 'images_seen': self.images_seen, 'iterations': ITERATIONS,
                             'kind': 'joint'}}

    def state(self, args: dict) -> dict:
        return {
            'g': self.g.state_dict_authors(), 'g_ema': self.g_ema.state_dict_authors(), 'd': None,
            'g_optim': None, 'codes': self.codes.weight.detach().clone(), 'codes_optim': None,
            'joint_optim': self.opt.state_dict(), 'joint_codes_optim': self.code_opt.state_dict(),
            'encoder': self.encoder_state(args), 'args': args,
            'training': ckpt.progress(self, kind='joint', loss_weights=LOSS_WEIGHTS),
        }

    def load_joint(self, ck: dict) -> None:
        """Resume a joint checkpoint (generator and codes are loaded by __init__)."""
        self.enc.load_state_dict(ck['encoder']['encoder'])
        self.w_start = ck['encoder']['w_avg'].float()
        self.opt.load_state_dict(ck['joint_optim'])
        self.code_opt.load_state_dict(ck['joint_codes_optim'])
        ckpt.restore_progress(self, ck['training'])


@torch.no_grad()
def sample_sheet(tr: JointTrainer, images_u8, composites, path: str, n: int = 8) -> None:
    """Rows: face A, its inversion, face B, the exact swap, the model's swap (one per component)."""
    cimg_u8, _, meta = composites
    first = [int((meta['component'] == k).nonzero()[0]) for k in range(tr.cfg.seg_dim)
             if bool((meta['component'] == k).any())][:n]
    j = torch.tensor(first)
    a, b = meta['a'][j], meta['b'][j]
    tr.enc.eval()
    w = tr.encode(to_float(images_u8[torch.cat([a, b])]), False)
    tr.enc.train()
    k = len(first)
    rows = swap_rows(tr.cfg, meta['component'][j], meta['part'][j])
    mixed = torch.where(rows[:, :, None], w[k:], w[:k])
    rec = tr.g(w)
    swap = tr.g(mixed)
    out = [[image_u8(x) for x in to_float(images_u8[a])], [image_u8(x) for x in rec['image'][:k]],
           [image_u8(x) for x in to_float(images_u8[b])], [image_u8(x) for x in to_float(cimg_u8[j])],
           [image_u8(x) for x in swap['image']], [mask_u8(s) for s in swap['segmentation'].argmax(1)]]
    gen = torch.Generator().manual_seed(7)
    codes = tr.codes.weight
    mu, cov = codes.mean(0), torch.cov(codes.T) + 1e-4 * torch.eye(codes.shape[1])
    z = mu + 0.8 * torch.randn(k, codes.shape[1], generator=gen) @ torch.linalg.cholesky(cov).T
    out += image_and_mask_rows(tr.g(tr.g.broadcast(z)))
    grid(out, scale=2).save(path)


def run(o) -> None:
    resume = ckpt.load(o.resume) if o.resume else None
    base_ck = resume if resume is not None else ckpt.load(o.from_recon)
    if base_ck.get('codes') is None:
        raise ckpt.CheckpointError('joint training starts from a reconstruction training checkpoint (with codes)')
    enc_ck = None if resume is not None or not o.encoder else load_encoder_checkpoint(o.encoder)
    hidden = resume['encoder']['encoder_spec']['hidden'] if resume is not None else o.hidden
    torch.set_num_threads(o.threads)
    tr = JointTrainer(base_ck, enc_ck, hidden, o.lr, o.enc_lr, o.code_lr, o.seed)
    cfg = tr.cfg
    images_u8, labels, meta = load_labelled(o.data, cfg.size, cfg.seg_dim, None)
    if images_u8.shape[0] != tr.codes.weight.shape[0]:
        raise ckpt.CheckpointError(f'the checkpoint has codes for {tr.codes.weight.shape[0]} images, the dataset '
                                   f'{images_u8.shape[0]}')
    composites = load_composites(o.data, cfg.size, cfg.seg_dim, cfg.class_names)
    if composites is None:
        raise ckpt.CheckpointError(f'{o.data} has no composites: run `ssg make-composites --data {o.data}` first')
    if resume is not None:
        tr.load_joint(resume)
    tr.class_w = L.class_weights(pixel_shares(labels, cfg.seg_dim))
    args = cfg.as_args() | {'comp_batch': o.comp_batch, 'glo_batch': o.glo_batch, 'lr': o.lr, 'enc_lr': o.enc_lr,
                            'code_lr': o.code_lr, 'dataset': os.path.abspath(o.data),
                            'dataset_count': int(images_u8.shape[0]), 'training': 'joint (encoder + generator)'}
    loop = TrainLoop(o.out, o.kimg, o.log_every, o.sheet_every, o.ckpt_every)
    n_params = sum(p.numel() for p in tr.enc.parameters())
    print(f'joint training on {images_u8.shape[0]} images and {composites[0].shape[0]} exact swaps of {cfg.size} px: '
          f'{o.comp_batch} swaps (A and B encoded) + {o.glo_batch} coded images a step, encoder {n_params / 1e6:.2f} M '
          f'parameters ({tr.enc_kept} tensors kept), to {o.kimg} kimg (at {tr.images_seen / 1000:.2f} kimg)', flush=True)

    def save():
        ckpt.save_atomic(tr.state(args), os.path.join(o.out, 'latest.pt'))
        ckpt.save_atomic(tr.encoder_state(args), os.path.join(o.out, 'encoder.pt'))

    loop.run(lambda: tr.images_seen,
             lambda: tr.train_step(images_u8, labels, composites, o.comp_batch, o.glo_batch, o.bf16),
             save, lambda path: sample_sheet(tr, images_u8, composites, path))
