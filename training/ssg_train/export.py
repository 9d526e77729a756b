"""Turns a training checkpoint into a model checkpoint that `ssg import-checkpoint` reads.

A reconstruction-trained generator has learned codes but no mapping network. Sampling, truncation
and w_avg need one, so it is fitted here to the codes' distribution: a Gaussian N(mu, Sigma),
realised exactly by a one-layer mapping. PixelNorm puts z on the sphere of radius sqrt(D), where
E[x x^T] = I, so w = mu + L x (L = chol(Sigma)) has the codes' mean and covariance. The layer's
leaky ReLU is linear only for positive inputs, so every code is shifted by a constant delta that
makes the mapping's output positive, and every modulation bias absorbs -delta (each use of w in
the generator is an affine modulation, so the rendered images are unchanged).
"""
import math
import os
from typing import Dict, Optional

import torch

from . import checkpoint as ckpt
from . import parts
from .config import ModelConfig
from .generator import MAPPING_LR_MUL, Generator
from .ops import SQRT2


def fit_gaussian(codes: torch.Tensor, eps: float = 1e-4):
    codes = codes.double()
    mu = codes.mean(0)
    cov = torch.cov(codes.T) + eps * torch.eye(codes.shape[1], dtype=torch.float64)
    return mu, torch.linalg.cholesky(cov)


@torch.no_grad()
def fit_mapping(g: Generator, codes: torch.Tensor) -> torch.Tensor:
    """Sets g's mapping (its first layer; later ones pass through) to the codes' Gaussian and shifts the modulation biases.
    Returns the shift delta [D] (a code c is rendered as c + delta from now on)."""
    c = g.c
    D = c.latent
    mu, L = fit_gaussian(codes)
    # Largest |L_i . x| over the sphere |x| = sqrt(D) is |L_i| sqrt(D); keep a margin.
    reach = L.norm(dim=1) * math.sqrt(D)
    delta = torch.clamp(reach * 1.02 + 0.05 - mu, min=0.0)
    mu_shifted = mu + delta
    # lrelu(y) = sqrt2 * y for y > 0: y = (mu' + L x) / sqrt2 with y = x @ (W s)^T + b * lr_mul.
    scale = MAPPING_LR_MUL / math.sqrt(D)
    g.style.weight[0].copy_((L / SQRT2 / scale).float())
    g.style.bias[0].copy_((mu_shifted / SQRT2 / MAPPING_LR_MUL).float())
    # Further layers pass their (positive) input through: lrelu(h / sqrt2) = h.
    for i in range(1, c.n_mlp):
        g.style.weight[i].copy_(torch.eye(D) / SQRT2 / scale)
        g.style.bias[i].zero_()
    ln = g.local_nets
    # s = w Wm^T / sqrt(D) + b; w = w' - delta  =>  b' = b - Wm delta / sqrt(D)
    ln.mod_bias.sub_((torch.einsum('klcd,d->klc', ln.mod_weight.double(), delta) / math.sqrt(D)).float())
    return delta.float()


def export(train_ckpt: str, out: str, description: Optional[str] = None, use_ema: bool = False,
           encoder_out: Optional[str] = None) -> Dict[str, object]:
    """Writes the model checkpoint `out`; for a joint training checkpoint (`train-joint`) also the
    encoder trained with it, as an `ssg train-encoder` checkpoint at `encoder_out`, its start moved
    by the same shift as the codes so that it inverts into the exported model's W+."""
    ck = ckpt.load(train_ckpt)
    if ck.get('encoder') is not None and use_ema:
        raise ckpt.CheckpointError('a joint checkpoint exports its trained generator (the encoder was trained with it), not --ema')
    cfg = ckpt.config_of(ck)
    report: Dict[str, object] = {}
    delta = torch.zeros(cfg.latent)
    part_coded = parts.exportable(ck)
    extra: Dict[str, object] = {}
    if part_coded is not None:
        # Part-coded: the EMA generator, its rows' slots folded into the modulations, the mapping
        # built; the codes travel along for `train-encoder`, which writes W+ from predicted parameters.
        g, extra = part_coded
        report['mapping_units'] = extra.pop('mapping_units')
    else:
        g = Generator(cfg)
        g.load_state_dict_authors(ck['g_ema'] if use_ema else ck['g'])
    if ck.get('codes') is not None:
        codes = ck['codes'].float()
        delta = fit_mapping(g, codes)
        report['codes'] = int(codes.shape[0])
        report['delta_max'] = float(delta.max())
    t = ck.get('training', {})
    args = cfg.as_args() | {
        'model_description': description or (
            f"SemanticStyleGAN {cfg.size} px trained by ssg-studio on generated facesjs cartoon faces "
            f"({t.get('kind', 'unknown')} training, {t.get('images_seen', 0) / 1000:.1f} kimg"
            + ('; mapping fitted to the learned codes' if ck.get('codes') is not None else '')
            + ('; every W+ row coded from its part\'s parameters, mapping built from their shares'
               if part_coded is not None else '') + ')'),
        'training': t.get('kind'), 'kimg': t.get('images_seen', 0) / 1000,
    }
    sd = g.state_dict_authors()
    ckpt.save_atomic({'g_ema': sd, 'args': args} | extra, out)
    if ck.get('encoder') is not None and encoder_out:
        enc = dict(ck['encoder'])
        enc['w_avg'] = enc['w_avg'].float() + delta
        enc['args'] = dict(enc['args'], model_ckpt=os.path.abspath(out))
        ckpt.save_atomic(enc, encoder_out)
        report['encoder'] = encoder_out
    return report | {'out': out, 'args': args}
