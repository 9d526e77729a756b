"""Reading a dataset made by `ssg make-dataset` (images + labels) or a plain folder of images."""
import json
import os
from typing import List, Optional, Tuple

import numpy as np
import torch
from PIL import Image

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.webp', '.bmp')


class DataError(Exception):
    """Bad training input; the message says what to fix."""


def _load_rgb(path: str, size: int) -> np.ndarray:
    im = Image.open(path).convert('RGB')
    if im.size != (size, size):
        w, h = im.size
        s = min(w, h)
        im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((size, size), Image.LANCZOS)
    return np.asarray(im, dtype=np.uint8)


def load_labelled(data_dir: str, size: int, seg_dim: int, limit: Optional[int] = None) -> Tuple[torch.Tensor, torch.Tensor, dict]:
    """Images [N, 3, S, S] uint8 and labels [N, S, S] uint8 of a make-dataset directory."""
    meta_file = os.path.join(data_dir, 'dataset.json')
    if not os.path.isfile(meta_file):
        raise DataError(f'{data_dir} has no dataset.json: make one with `ssg make-dataset --out {data_dir}`, or use `ssg finetune --images` for unlabelled images')
    meta = json.load(open(meta_file))
    names = sorted(f for f in os.listdir(os.path.join(data_dir, 'images')) if f.endswith('.png'))
    if not names:
        raise DataError(f'{data_dir}/images holds no PNG images')
    if limit:
        names = names[:limit]
    images = np.zeros((len(names), size, size, 3), np.uint8)
    labels = np.zeros((len(names), size, size), np.uint8)
    for i, n in enumerate(names):
        lp = os.path.join(data_dir, 'labels', n)
        if not os.path.isfile(lp):
            raise DataError(f'{data_dir}: image {n} has no label file labels/{n}')
        images[i] = _load_rgb(os.path.join(data_dir, 'images', n), size)
        lab = Image.open(lp)
        if lab.mode not in ('L', 'P'):
            raise DataError(f'{lp} is not a single-channel label image (mode {lab.mode}); labels hold one class index per pixel')
        if lab.size != (size, size):
            lab = lab.resize((size, size), Image.NEAREST)
        labels[i] = np.asarray(lab, dtype=np.uint8)
    top = int(labels.max())
    if top >= seg_dim:
        bad = int((labels >= seg_dim).any(axis=(1, 2)).argmax())
        raise DataError(f'{data_dir}: labels/{names[bad]} has class {top}, but the model has {seg_dim} classes (0..{seg_dim - 1})')
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels), meta


def adopt_classes(cfg, meta: dict, transparent: bool = True) -> None:
    """Takes a make-dataset directory's class names (and transparent classes) into the model config;
    refuses a dataset with another number of classes."""
    names = [c['name'] for c in meta.get('classes', [])]
    if names and len(names) != cfg.seg_dim:
        raise DataError(f'the dataset has {len(names)} classes, the model {cfg.seg_dim}')
    if names:
        cfg.class_names = names
        if transparent:
            cfg.transparent_dims = tuple(meta.get('transparentDims', cfg.transparent_dims))


def load_images(folder: str, size: int, limit: Optional[int] = None) -> torch.Tensor:
    """A folder of images (no masks), centre-cropped and resized: [N, 3, S, S] uint8."""
    if not os.path.isdir(folder):
        raise DataError(f'{folder} is not a directory')
    sub = os.path.join(folder, 'images')
    root = sub if os.path.isdir(sub) else folder
    names: List[str] = sorted(f for f in os.listdir(root) if f.lower().endswith(IMAGE_EXTS))
    if not names:
        raise DataError(f'{root} holds no images ({", ".join(IMAGE_EXTS)})')
    if limit:
        names = names[:limit]
    out = np.zeros((len(names), size, size, 3), np.uint8)
    for i, n in enumerate(names):
        try:
            out[i] = _load_rgb(os.path.join(root, n), size)
        except Exception as e:  # noqa: BLE001 - PIL raises many kinds
            raise DataError(f'{os.path.join(root, n)} cannot be read as an image: {e}')
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def to_float(images_u8: torch.Tensor) -> torch.Tensor:
    return images_u8.float() / 127.5 - 1.0


def load_composites(data_dir: str, size: int, seg_dim: int, classes: List[str]):
    """The exact part swaps of `ssg make-composites`: images [M, 3, S, S] and labels [M, S, S] uint8,
    and per composite the faces a and b it mixes, the class index and the part (0 shape, 1 texture,
    2 both). None when the dataset has no composites."""
    doc_file = os.path.join(data_dir, 'composites.json')
    if not os.path.isfile(doc_file):
        return None
    doc = json.load(open(doc_file))
    entries = doc['entries']
    n = len(entries)
    images = np.zeros((n, size, size, 3), np.uint8)
    labels = np.zeros((n, size, size), np.uint8)
    root = os.path.join(data_dir, 'composites')
    for i, e in enumerate(entries):
        name = f"{e['index']:06d}.png"
        images[i] = _load_rgb(os.path.join(root, 'images', name), size)
        lab = Image.open(os.path.join(root, 'labels', name))
        if lab.size != (size, size):
            lab = lab.resize((size, size), Image.NEAREST)
        labels[i] = np.asarray(lab, dtype=np.uint8)
    part_code = {'shape': 0, 'texture': 1, 'both': 2}
    meta = {
        'a': torch.tensor([e['a'] for e in entries]),
        'b': torch.tensor([e['b'] for e in entries]),
        'component': torch.tensor([classes.index(e['component']) for e in entries]),
        'part': torch.tensor([part_code[e['part']] for e in entries]),
    }
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels), meta
