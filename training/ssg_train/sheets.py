"""PNG sheets of images and coloured masks, for people to look at."""
from typing import List, Sequence

import numpy as np
import torch
from PIL import Image

# The authors' CelebAMask-HQ colours, facial hair in the last slot (src/dataset/classes.ts).
COLORS = np.array([[0, 0, 0], [239, 234, 90], [44, 105, 154], [4, 139, 168], [13, 179, 158], [131, 227, 119],
                   [185, 231, 105], [107, 137, 198], [241, 196, 83], [242, 158, 76], [234, 114, 71],
                   [215, 95, 155], [150, 84, 52]], np.uint8)


def image_u8(x: torch.Tensor) -> np.ndarray:
    """[3, H, W] in [-1, 1] -> [H, W, 3] uint8."""
    return (x.detach().float().clamp(-1, 1) * 127.5 + 127.5).round().byte().permute(1, 2, 0).cpu().numpy()


def mask_u8(labels: torch.Tensor) -> np.ndarray:
    """[H, W] class indices -> coloured [H, W, 3]."""
    return COLORS[labels.cpu().numpy() % len(COLORS)]


def grid(rows: Sequence[Sequence[np.ndarray]], scale: int = 1, gap: int = 2) -> Image.Image:
    h, w = rows[0][0].shape[:2]
    ncol = max(len(r) for r in rows)
    out = np.full((len(rows) * (h + gap) - gap, ncol * (w + gap) - gap, 3), 255, np.uint8)
    for i, r in enumerate(rows):
        for j, im in enumerate(r):
            out[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = im
    img = Image.fromarray(out)
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST) if scale > 1 else img


def image_and_mask_rows(out: dict) -> List[List[np.ndarray]]:
    imgs = [image_u8(x) for x in out['image']]
    masks = [mask_u8(s.argmax(0)) for s in out['segmentation']]
    return [imgs, masks]
