"""Renders W+ latents with the training code's own forward pass, for the runtime parity test:

    python3 tests/reference_render.py MODEL.pt LATENTS.npy OUT_DIR
writes image.npy, segmentation.npy, coarse.npy, depth.npy (float32)."""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from ssg_train import checkpoint as ckpt  # noqa: E402
from ssg_train.generator import Generator  # noqa: E402


def main(model_pt, latents_npy, out):
    ck = ckpt.load(model_pt)
    g = Generator(ckpt.config_of(ck)).eval()
    g.load_state_dict_authors(ck['g_ema'])
    lat = torch.from_numpy(np.load(latents_npy).astype(np.float32))
    if lat.dim() == 2:
        lat = lat[None]
    with torch.no_grad():
        o = g(lat)
    os.makedirs(out, exist_ok=True)
    for k in ('image', 'segmentation', 'coarse', 'depth'):
        np.save(os.path.join(out, f'{k}.npy'), o[k].numpy().astype('<f4'))


if __name__ == '__main__':
    main(*sys.argv[1:4])
