"""The encoder as the server runs it: `encoder.onnx` + `encoder.json` in a model directory, and the
figures a user can judge it by (reconstruction PSNR and mask IoU on held-out dataset images, per
iteration count; seconds per inversion). The contract is in docs/model/encoder.md."""
import hashlib
import json
import os
import statistics
import time
from typing import Dict, Optional

import numpy as np
import torch

from . import checkpoint as ckpt
from .data import load_labelled, to_float
from .encoder import Encoder, invert, load_encoder_checkpoint, load_generator
from .encoders import encoder_from_checkpoint
from .sheets import grid, image_u8, mask_u8

ENCODER_JSON_FORMAT = 1
OPSET = 17


class OnnxWrapper(torch.nn.Module):
    def __init__(self, enc: Encoder):
        super().__init__()
        self.enc = enc

    def forward(self, image, reconstruction, latent):
        return self.enc(image, reconstruction, latent)


def check_model_dir(model_dir: str, enc: Encoder) -> Dict[str, float]:
    """The served model must have this encoder's layout; returns how far its w_avg is from the encoder's."""
    mf = os.path.join(model_dir, 'manifest.json')
    if not os.path.isfile(mf):
        raise ckpt.CheckpointError(f'{model_dir} has no manifest.json: export the model first (`ssg export-model`)')
    with open(mf) as f:
        man = json.load(f)
    size, n, d = man['config']['size'], man['layout']['nLatent'], man['layout']['dim']
    if (size, n, d) != (enc.size, enc.n_latent, enc.dim):
        raise ckpt.CheckpointError(f'{model_dir} serves {size} px with W+ [{n}, {d}], the encoder was trained for '
                                   f'{enc.size} px with W+ [{enc.n_latent}, {enc.dim}]')
    diff = (torch.tensor(man['w_avg']) - enc.w_avg.view(-1)).abs().max().item()
    return {'w_avg_max_difference': diff}


def export_onnx(enc: Encoder, path: str) -> None:
    enc = enc.eval()
    B, S = 2, enc.size
    gen = torch.Generator().manual_seed(0)
    args = (torch.rand(B, 3, S, S, generator=gen) * 2 - 1, torch.rand(B, 3, S, S, generator=gen) * 2 - 1,
            enc.w_avg.expand(B, enc.n_latent, enc.dim).clone())
    tmp = f'{path}.tmp-{os.getpid()}'
    torch.onnx.export(OnnxWrapper(enc), args, tmp, input_names=['image', 'reconstruction', 'latent'],
                      output_names=['delta'], opset_version=OPSET, do_constant_folding=True,
                      dynamic_axes={k: {0: 'batch'} for k in ('image', 'reconstruction', 'latent', 'delta')})
    os.replace(tmp, path)


def onnx_checker(path: str) -> str:
    try:
        import onnx  # noqa: PLC0415 - optional
    except ImportError:
        return 'onnx package not installed: checker not run (the Node parity check loads the file in onnxruntime)'
    onnx.checker.check_model(onnx.load(path))
    return 'onnx.checker passed'


@torch.no_grad()
def write_parity_sample(enc: Encoder, out_dir: str, batch: int = 2) -> None:
    """Inputs and PyTorch's delta as .npy, for the onnxruntime-node parity check (scripts/check-encoder-onnx.ts)."""
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(1)
    S = enc.size
    image = torch.rand(batch, 3, S, S, generator=gen) * 2 - 1
    rec = torch.rand(batch, 3, S, S, generator=gen) * 2 - 1
    latent = enc.w_avg.expand(batch, enc.n_latent, enc.dim) + torch.randn(batch, enc.n_latent, enc.dim, generator=gen)
    delta = enc.eval()(image, rec, latent)
    for name, t in (('image', image), ('reconstruction', rec), ('latent', latent), ('delta', delta)):
        np.save(os.path.join(out_dir, f'{name}.npy'), t.numpy().astype('<f4'))


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per image, for values in [-1, 1] (peak-to-peak 2)."""
    mse = (a - b).pow(2).mean([1, 2, 3]).clamp_min(1e-10)
    return 10 * torch.log10(4.0 / mse)


@torch.no_grad()
def evaluate(enc: Encoder, g, heldout: str, n_images: int, iterations: int, sheet: Optional[str] = None) -> dict:
    c = g.c
    images_u8, labels, meta = load_labelled(heldout, c.size, c.seg_dim, n_images)
    K = c.seg_dim
    psnrs = [[] for _ in range(iterations + 1)]
    inter = torch.zeros(iterations + 1, K, dtype=torch.float64)
    union = torch.zeros(iterations + 1, K, dtype=torch.float64)
    first = None
    for i in range(0, len(images_u8), 50):
        target = to_float(images_u8[i:i + 50])
        lab = labels[i:i + 50].long()
        steps = invert(enc, g, target, iterations)
        if first is None:
            first = (target[:8], lab[:8], steps)
        for t, s in enumerate(steps):
            psnrs[t] += psnr(s['image'], target).tolist()
            pred = s['segmentation'].argmax(1)
            for k in range(K):
                p, q = pred == k, lab == k
                inter[t, k] += (p & q).sum()
                union[t, k] += (p | q).sum()
    per_iter = []
    for t in range(iterations + 1):
        present = union[t] > 0
        iou = inter[t][present] / union[t][present]
        per_iter.append({'iterations': t, 'psnr': round(statistics.fmean(psnrs[t]), 3),
                         'miou': round(float(iou.mean()), 4)})
    last_iou = {name: round(float(inter[-1, k] / union[-1, k]), 4)
                for k, name in enumerate(c.class_names) if union[-1, k] > 0}
    # Seconds per inversion: one image, one thread, encoder and generator in PyTorch.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    times = []
    for j in range(12):
        t0 = time.perf_counter()
        invert(enc, g, to_float(images_u8[j % len(images_u8):j % len(images_u8) + 1]), iterations)
        times.append(time.perf_counter() - t0)
    torch.set_num_threads(threads)
    if sheet:
        target, lab, steps = first
        rows = [[image_u8(x) for x in target], [mask_u8(m) for m in lab]]
        rows += [[image_u8(x) for x in s['image'][:8]] for s in steps]
        rows.append([mask_u8(m) for m in steps[-1]['segmentation'][:8].argmax(1)])
        os.makedirs(os.path.dirname(os.path.abspath(sheet)), exist_ok=True)
        grid(rows, scale=3).save(sheet)
    return {
        'heldout': {'dataset': os.path.abspath(heldout), 'seed': meta.get('made', {}).get('seed'), 'images': len(images_u8)},
        'perIteration': per_iter,
        'psnr': 'dB of the reconstruction against the target, values in [-1, 1], mean over images',
        'miou': "IoU of the generator's segmentation of the inversion with the true label map, per class over all "
                'images, mean over classes present',
        'iouPerClass': last_iou,
        'secondsPerInversion': {'seconds': round(statistics.median(times[2:]), 4), 'iterations': iterations,
                                'threads': 1, 'runtime': f'PyTorch {torch.__version__}, one image'},
    }


def sha256_file(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def encoder_json(enc: Encoder, ck: dict, onnx_path: str, figures: Optional[dict], checker: str) -> dict:
    S, n, d = enc.size, enc.n_latent, enc.dim
    t = ck['training']
    a = ck['args']
    return {
        'format': ENCODER_JSON_FORMAT,
        'file': os.path.basename(onnx_path),
        'sha256': sha256_file(onnx_path),
        'opset': OPSET,
        'inputs': {
            'image': {'shape': ['B', 3, S, S], 'dtype': 'float32', 'range': [-1, 1], 'what': 'the target picture'},
            'reconstruction': {'shape': ['B', 3, S, S], 'dtype': 'float32', 'range': [-1, 1],
                               'what': "the generator's render of `latent` (clamped to [-1, 1])"},
            'latent': {'shape': ['B', n, d], 'dtype': 'float32', 'what': 'the current W+'},
        },
        'outputs': {'delta': {'shape': ['B', n, d], 'dtype': 'float32', 'what': 'new latent = latent + delta'}},
        'resolution': S, 'n_latent': n, 'dim': d,
        'defaultIterations': t['iterations'],
        'start': "w_avg of the model's manifest.json in every row of W+",
        'trainedOn': {'dataset': a.get('dataset'), 'datasetImages': a.get('dataset_count'),
                      'datasetShare': a.get('real_share'), 'generated': 'mapping samples, rows mixed per component',
                      'kimg': round(t['images_seen'] / 1000, 3), 'steps': t['step'],
                      'modelCheckpoint': os.path.basename(a.get('model_ckpt', ''))},
        'check': checker,
        'figures': figures,
    }


def export(from_ckpt: str, out_dir: str, heldout: Optional[str] = None, images: int = 500,
           sheet: Optional[str] = None, check_dir: Optional[str] = None, threads: int = 1) -> dict:
    torch.set_num_threads(threads)
    ck = load_encoder_checkpoint(from_ckpt)
    enc = encoder_from_checkpoint(ck)
    model_dir_check = check_model_dir(out_dir, enc)
    # Figures first: a failing evaluation leaves the directory's encoder files as they were.
    figures = None
    if heldout:
        g = load_generator(ck['args']['model_ckpt'])
        figures = evaluate(enc, g, heldout, images, ck['training']['iterations'], sheet)
    path = os.path.join(out_dir, 'encoder.onnx')
    export_onnx(enc, path)
    checker = onnx_checker(path)
    if check_dir:
        write_parity_sample(enc, check_dir)
    meta = encoder_json(enc, ck, path, figures, checker)
    tmp = os.path.join(out_dir, f'encoder.json.tmp-{os.getpid()}')
    with open(tmp, 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    os.replace(tmp, os.path.join(out_dir, 'encoder.json'))
    return meta | {'model_dir_check': model_dir_check, 'bytes': os.path.getsize(path)}
