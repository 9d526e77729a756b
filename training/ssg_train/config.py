"""Model hyper-parameters (the authors' `args` names) and the presets the project trains."""
import math
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

# Classes of the project's cartoon dataset (src/dataset/classes.ts): CelebAMask-HQ names where a
# part has a CelebA twin, facial hair in the last slot.
CARTOON_CLASSES = ['background', 'face', 'eyes', 'eyebrows', 'mouth', 'nose', 'ears', 'hair', 'neck',
                   'cloth', 'eyeglasses', 'hat', 'facial_hair']


@dataclass
class ModelConfig:
    size: int = 256
    latent: int = 512
    n_mlp: int = 8
    channel_multiplier: int = 2
    seg_dim: int = 13
    local_layers: int = 10
    base_layers: int = 2
    depth_layers: int = 6
    local_channel: int = 64
    coarse_channel: int = 512
    coarse_size: int = 64
    min_feat_size: int = 16
    residual_refine: bool = True
    detach_texture: bool = True
    transparent_dims: Tuple[int, ...] = (10, 12)
    # Render-net widths by output side; None = the authors' table.
    widths: Optional[Dict[int, int]] = None
    class_names: List[str] = field(default_factory=lambda: list(CARTOON_CLASSES))

    @property
    def n_latent(self) -> int:
        return self.base_layers + 2 * self.seg_dim

    @property
    def levels(self) -> int:
        return int(math.log2(self.size)) - int(math.log2(self.min_feat_size))

    def width(self, side: int) -> int:
        if self.widths is not None and side in self.widths:
            return self.widths[side]
        cm = self.channel_multiplier
        return {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * cm, 128: 128 * cm, 256: 64 * cm,
                512: 32 * cm, 1024: 16 * cm}[side]

    def as_args(self) -> dict:
        d = asdict(self)
        d['transparent_dims'] = list(self.transparent_dims)
        if self.widths is not None:
            d['widths'] = {int(k): int(v) for k, v in self.widths.items()}
        else:
            del d['widths']
        return d

    @staticmethod
    def from_args(args: dict) -> 'ModelConfig':
        known = {k: v for k, v in args.items() if k in ModelConfig.__dataclass_fields__}
        if 'transparent_dims' in known:
            known['transparent_dims'] = tuple(int(x) for x in known['transparent_dims'])
        if known.get('widths') is not None:
            known['widths'] = {int(k): int(v) for k, v in known['widths'].items()}
        return ModelConfig(**known)


PRESETS = {
    # The default model of `npm start`: 64 px, small enough to train on two CPU cores.
    'cartoon64': ModelConfig(size=64, latent=128, n_mlp=1, seg_dim=13, local_layers=6, base_layers=2,
                             depth_layers=4, local_channel=32, coarse_channel=64, coarse_size=32,
                             min_feat_size=8, transparent_dims=(10,), widths={16: 128, 32: 128, 64: 64}),
    # The part-coded default model (`ssg train --mode parts`): cartoon64's network with a 512-wide
    # latent, sliced into one slot per W+ row, and a 2-layer mapping built from the parameters' shares.
    'cartoon64-parts': ModelConfig(size=64, latent=512, n_mlp=2, seg_dim=13, local_layers=6, base_layers=2,
                                   depth_layers=4, local_channel=32, coarse_channel=64, coarse_size=32,
                                   min_feat_size=8, transparent_dims=(10,), widths={16: 128, 32: 128, 64: 64}),
    # A GAN-shaped 64 px config for the GPU (8-layer mapping).
    'cartoon64-gan': ModelConfig(size=64, latent=256, n_mlp=8, seg_dim=13, local_layers=8, base_layers=2,
                                 depth_layers=5, local_channel=64, coarse_channel=128, coarse_size=32,
                                 min_feat_size=8, transparent_dims=(10,), widths={16: 256, 32: 256, 64: 128}),
    # Tests of part-coded training: tiny's network, the latent wide enough for every row's slot.
    'tiny-parts': ModelConfig(size=32, latent=512, n_mlp=2, seg_dim=13, local_layers=4, base_layers=1,
                              depth_layers=2, local_channel=8, coarse_channel=16, coarse_size=16,
                              min_feat_size=8, transparent_dims=(10,), widths={16: 16, 32: 8}),
    # Tests: seconds per step on one core.
    'tiny': ModelConfig(size=32, latent=16, n_mlp=2, seg_dim=13, local_layers=4, base_layers=1,
                        depth_layers=2, local_channel=8, coarse_channel=16, coarse_size=16,
                        min_feat_size=8, transparent_dims=(10,), widths={16: 16, 32: 8}),
}
