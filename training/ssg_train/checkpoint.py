"""Checkpoints in the authors' layout: a dict with `g`, `g_ema`, `d` (state dicts under the
authors' parameter names), optimiser states and `args` (a plain dict, as `vars(args)`), plus what
resuming needs (step, random states, learned codes)."""
import os
from typing import Any, Dict

import torch

from .config import ModelConfig


class CheckpointError(Exception):
    pass


def save_atomic(obj: Dict[str, Any], path: str) -> None:
    tmp = f'{path}.tmp-{os.getpid()}'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load(path: str) -> Dict[str, Any]:
    if not os.path.isfile(path):
        raise CheckpointError(f'checkpoint {path} does not exist')
    try:
        ck = torch.load(path, map_location='cpu')
    except Exception as e:  # noqa: BLE001
        raise CheckpointError(f'{path} is not a PyTorch checkpoint ({e})')
    if not isinstance(ck, dict) or 'g_ema' not in ck or 'args' not in ck:
        raise CheckpointError(f'{path} has no g_ema/args: not a SemanticStyleGAN checkpoint')
    return ck


def config_of(ck: Dict[str, Any]) -> ModelConfig:
    args = ck['args']
    return ModelConfig.from_args(args if isinstance(args, dict) else vars(args))


def progress(tr, **extra) -> Dict[str, Any]:
    """What resuming a trainer needs besides its weights: steps, images seen, the random states
    (every trainer keeps `step`, `images_seen` and its batch `sampler`)."""
    return {'step': tr.step, 'images_seen': tr.images_seen, 'sampler': tr.sampler.get_state(),
            'torch_rng': torch.get_rng_state()} | extra


def restore_progress(tr, t: Dict[str, Any]) -> None:
    tr.step, tr.images_seen = t['step'], t['images_seen']
    tr.sampler.set_state(t['sampler'])
    torch.set_rng_state(t['torch_rng'])
