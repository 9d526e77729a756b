"""The project's own feature network: a small CNN trained on a make-dataset directory to predict
each class's pixel share and presence from the picture. Its features are the space of the
Frechet distance (evaluate.py) and of the encoder's perceptual loss (encoder.py)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import to_float

FEATURES = 128


class FeatureNet(nn.Module):
    def __init__(self, seg_dim: int):
        super().__init__()
        chans = [3, 32, 64, 96, FEATURES]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, stride=2, padding=1) for a, b in zip(chans, chans[1:]))
        self.head = nn.Linear(FEATURES, 2 * seg_dim)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for c in self.convs:
            x = F.leaky_relu(c(x), 0.2)
        return x.mean([2, 3])

    def forward(self, x):
        return self.head(self.features(x))


def area_targets(labels: torch.Tensor, seg_dim: int) -> torch.Tensor:
    one_hot = F.one_hot(labels.long(), seg_dim).float()
    share = one_hot.mean([1, 2])
    return torch.cat([share * 10, (share > 0).float()], 1)


def train_feature_net(images_u8, labels, seg_dim: int, steps: int = 600, seed: int = 0) -> FeatureNet:
    torch.manual_seed(seed)
    net = FeatureNet(seg_dim)
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, images_u8.shape[0], (32,), generator=gen)
        loss = F.mse_loss(net(to_float(images_u8[idx])), area_targets(labels[idx], seg_dim))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()
