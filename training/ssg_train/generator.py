"""The SemanticStyleGAN generator, exactly as the runtime renders it (docs/model/network.md section 4).

Parameters are held stacked over the K local generators so that all of them run as one batched
matrix product per layer (the authors' code loops over K grouped convolutions, which dominates its
CPU time); `state_dict_authors()` / `load_state_dict_authors()` convert to and from the authors'
per-module names, which is what checkpoints store and what `ssg import-checkpoint` reads.
"""
import math
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ModelConfig
from .ops import DEMOD_EPS, SQRT2, fourier_features, lrelu, make_kernel, pixel_norm, upfirdn2d

MAPPING_LR_MUL = 0.01


class Mapping(nn.Module):
    """PixelNorm then n_mlp EqualLinear(D, D, lr_mul 0.01) with lrelu: `style.1 ... style.n`."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        D = c.latent
        self.weight = nn.ParameterList([nn.Parameter(torch.randn(D, D) / MAPPING_LR_MUL) for _ in range(c.n_mlp)])
        self.bias = nn.ParameterList([nn.Parameter(torch.zeros(D)) for _ in range(c.n_mlp)])
        self.scale = MAPPING_LR_MUL / math.sqrt(D)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = pixel_norm(z)
        for w, b in zip(self.weight, self.bias):
            x = lrelu(F.linear(x, w * self.scale, b * MAPPING_LR_MUL))
        return x


class LocalGenerators(nn.Module):
    """K modulated 1x1-conv MLPs over the positional feature, computed together.

    Layout of the activations: [K, B, C, P] (P = S*S pixels), so that each layer is one batched
    `torch.matmul` of per-sample modulated weights [K, B, Cout, Cin] by [K, B, Cin, P].
    """

    def __init__(self, c: ModelConfig):
        super().__init__()
        K, L, C, D, Cc = c.seg_dim, c.local_layers, c.local_channel, c.latent, c.coarse_channel
        self.c = c
        n_pos = 2 * (2 * int(math.log2(c.size)) + 1)
        self.pos_weight = nn.Parameter(torch.randn(C, n_pos))  # pos_embed.weights[:, :, 0, 0]
        self.register_buffer('pos_input', fourier_features(c.size, c.coarse_size).view(n_pos, -1), persistent=False)
        self.lin_weight = nn.Parameter(torch.randn(K, L, C, C))  # linears.j.conv.weight[0, :, :, 0, 0]
        self.mod_weight = nn.Parameter(torch.randn(K, L, C, D))  # linears.j.conv.modulation.weight
        self.mod_bias = nn.Parameter(torch.ones(K, L, C))  # linears.j.conv.modulation.bias
        # Which latent dimensions layer j of generator k reads (all by default; part-coded models
        # give each W+ row its own slot, see part_codes.py). Checkpoints store the masked weight.
        self.register_buffer('mod_mask', torch.ones(K, L, 1, D), persistent=False)
        self.act_bias = nn.Parameter(torch.zeros(K, L, C))  # linears.j.activate.bias
        self.feat_weight = nn.Parameter(torch.randn(K, Cc, C))  # to_feat.conv.weight[:, :, 0, 0]
        self.feat_mod = nn.Parameter(torch.ones(K, C))  # to_feat.conv.modulation[0, :, 0, 0]
        self.feat_bias = nn.Parameter(torch.zeros(K, Cc))  # to_feat.bias[0, :, 0, 0]
        self.depth_weight = nn.Parameter(torch.randn(K - 1, C))  # to_depth.conv.weight[0, :, 0, 0], k >= 1
        self.depth_mod = nn.Parameter(torch.ones(K - 1, C))
        self.depth_bias = nn.Parameter(torch.zeros(K - 1))
        # Which W+ row drives layer j of generator k (docs/model/network.md section 2), as an index table.
        rows = torch.zeros(K, L, dtype=torch.long)
        for k in range(K):
            for j in range(L):
                if k == 0:
                    rows[k, j] = c.base_layers if j < c.depth_layers else c.base_layers + 1
                elif j < c.base_layers:
                    rows[k, j] = j
                elif j < c.depth_layers:
                    rows[k, j] = c.base_layers + 2 * k
                else:
                    rows[k, j] = c.base_layers + 2 * k + 1
        self.register_buffer('rows', rows, persistent=False)

    def expand(self, wplus: torch.Tensor) -> torch.Tensor:
        """[B, n_latent, D] -> per-layer codes [K, L, B, D]; an expanded [B, K*L, D] passes as is."""
        K, L = self.c.seg_dim, self.c.local_layers
        if wplus.shape[1] == K * L:
            return wplus.view(-1, K, L, wplus.shape[2]).permute(1, 2, 0, 3)
        return wplus[:, self.rows.view(-1)].view(-1, K, L, wplus.shape[2]).permute(1, 2, 0, 3)

    def forward(self, wplus: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns features [B, K, Cc, S, S] and pseudo-depths [B, K, S, S] (background's is 0)."""
        c = self.c
        K, L, C, D, S = c.seg_dim, c.local_layers, c.local_channel, c.latent, c.coarse_size
        codes = self.expand(wplus)  # [K, L, B, D]
        B = codes.shape[2]
        P = S * S
        pos = (self.pos_weight / math.sqrt(self.pos_weight.shape[1])) @ self.pos_input  # [C, P]
        x = pos.view(1, 1, C, P).expand(K, B, C, P)
        depth = None
        w_scale = 1.0 / math.sqrt(C)
        for j in range(L):
            if j == c.depth_layers and c.detach_texture:
                # Texture layers do not train the shape layers (seed A.2), except the background's.
                x = torch.cat([x[:1], x[1:].detach()], 0)
            # Modulation s = EqualLinear(w): [K, B, Cin]; per-sample weights [K, B, Cout, Cin]
            # are small, so modulating and demodulating the weight is cheaper than the activations.
            mw = self.mod_weight[:, j] * self.mod_mask[:, j]
            s = torch.matmul(codes[:, j], mw.transpose(1, 2) / math.sqrt(D)) + self.mod_bias[:, j, None]
            W = self.lin_weight[:, j, None] * (s[:, :, None, :] * w_scale)  # [K, B, Cout, Cin]
            W = W * torch.rsqrt((W * W).sum(3, keepdim=True) + DEMOD_EPS)
            x = lrelu(torch.matmul(W, x) + self.act_bias[:, j, None, :, None])
            if j == c.depth_layers - 1:
                dw = self.depth_weight * self.depth_mod / math.sqrt(C)  # [K-1, C]
                d = torch.einsum('kc,kbcp->kbp', dw, x[1:]) + self.depth_bias[:, None, None]
                depth = torch.cat([torch.zeros_like(d[:1]), d], 0)  # background depth fixed at 0
        fw = self.feat_weight * self.feat_mod[:, None, :] / math.sqrt(C)  # [K, Cc, C]
        feat = torch.matmul(fw[:, None], x) + self.feat_bias[:, None, :, None]  # [K, B, Cc, P]
        feat = feat.transpose(0, 1).reshape(B, K, -1, S, S)
        depth = depth.transpose(0, 1).reshape(B, K, S, S)
        return feat, depth


def fuse(c: ModelConfig, feat: torch.Tensor, depth: torch.Tensor, cmask: Optional[torch.Tensor] = None):
    """Depth softmax fusion with composition mask and transparent classes (docs/model/network.md 4.3).
    Returns fused feature [B, Cc, S, S] and the mask m [B, K, S, S]."""
    K = c.seg_dim
    m = F.softmax(depth, 1)
    if cmask is not None:
        m = m * cmask.view(-1, K, 1, 1)
        m = m / (m.sum(1, keepdim=True) + 1e-8)
    t = torch.zeros(K, dtype=m.dtype, device=m.device)
    if len(c.transparent_dims):
        t[list(c.transparent_dims)] = 1.0
    t = t.view(1, K, 1, 1)
    mnt = m * (1 - t)
    mnt = mnt / (mnt.sum(1, keepdim=True) + 1e-8)
    weights = mnt + m * t
    fused = (feat * weights[:, :, None]).sum(1)
    return fused, m


class FixedConv(nn.Module):
    """Style-free conv of the render net: demodulated weight shared by all samples, noise, lrelu."""

    def __init__(self, cin: int, cout: int, up: bool, side: int):
        super().__init__()
        self.up = up
        self.weight = nn.Parameter(torch.randn(cout, cin, 3, 3))
        self.modulation = nn.Parameter(torch.ones(1, cin, 1, 1))
        self.noise_weight = nn.Parameter(torch.zeros(1))
        self.activate_bias = nn.Parameter(torch.zeros(cout))
        self.register_buffer('noise', torch.randn(1, 1, side, side))  # render_net.noises.noise_i
        self.register_buffer('blur_kernel', make_kernel() * 4, persistent=False)

    def folded_weight(self) -> torch.Tensor:
        cout, cin, kh, kw = self.weight.shape
        W = self.modulation * self.weight / math.sqrt(cin * kh * kw)
        return W * torch.rsqrt((W * W).sum([1, 2, 3], keepdim=True) + DEMOD_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        W = self.folded_weight()
        if self.up:
            y = F.pixel_shuffle(F.conv2d(x, upsample_phases(W, self.blur_kernel), padding=1), 2)
        else:
            y = F.conv2d(x, W, padding=1)
        y = y + self.noise_weight * self.noise
        return lrelu(y + self.activate_bias.view(1, -1, 1, 1))


def upsample_phases(W: torch.Tensor, blur: torch.Tensor) -> torch.Tensor:
    """The authors' upsampling conv (transposed 3x3 conv, stride 2, then the 4x4 blur with pad 1)
    as one plain 3x3 conv to 4*out channels followed by pixel_shuffle(2): the blur is folded into a
    6x6 transposed kernel W6 = W * blur, whose stride-2 phases are 3x3 kernels. Same numbers, and
    it runs on oneDNN's fast conv instead of the slow transposed conv and a depthwise blur."""
    out, cin, _, _ = W.shape
    k = torch.flip(blur, [0, 1]).to(W.dtype).view(1, 1, 4, 4)
    W6 = F.conv2d(F.pad(W.reshape(out * cin, 1, 3, 3), [3, 3, 3, 3]), k).view(out, cin, 6, 6)
    idx = [4, 2, 0]  # row/col a of phase r reads W6[r + 4 - 2a]
    phases = [W6[:, :, [i + ry for i in idx]][:, :, :, [i + rx for i in idx]] for ry in (0, 1) for rx in (0, 1)]
    return torch.stack(phases, 1).reshape(out * 4, cin, 3, 3)


class ToOut(nn.Module):
    """toRGB / toSeg: unmodulated 1x1 conv + bias, plus the upsampled skip."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, 1, 1))
        self.modulation = nn.Parameter(torch.ones(1, cin, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, cout, 1, 1))
        self.register_buffer('up_kernel', make_kernel() * 4, persistent=False)

    def forward(self, x: torch.Tensor, skip: Optional[torch.Tensor]) -> torch.Tensor:
        y = F.conv2d(x, self.modulation * self.weight / math.sqrt(self.weight.shape[1])) + self.bias
        if skip is not None:
            y = y + upfirdn2d(skip, self.up_kernel, up=2, pad=(2, 1))
        return y


class RenderNet(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.c = c
        convs, rgbs, segs = [], [], []
        cin = c.coarse_channel
        for i in range(c.levels):
            side = c.min_feat_size * 2 ** (i + 1)
            cout = c.width(side)
            if side // 2 == c.coarse_size:
                cin += c.coarse_channel
            convs += [FixedConv(cin, cout, True, side), FixedConv(cout, cout, False, side)]
            rgbs.append(ToOut(cout, 3))
            segs.append(ToOut(cout, c.seg_dim))
            cin = cout
        self.convs = nn.ModuleList(convs)
        self.to_rgbs = nn.ModuleList(rgbs)
        self.to_segs = nn.ModuleList(segs)

    def forward(self, fused: torch.Tensor, coarse: torch.Tensor):
        c = self.c
        x = F.adaptive_avg_pool2d(fused, c.min_feat_size)
        rgb = seg = None
        for i in range(c.levels):
            if x.shape[2] == c.coarse_size:
                x = torch.cat([x, fused], 1)
            x = self.convs[2 * i + 1](self.convs[2 * i](x))
            rgb = self.to_rgbs[i](x, rgb)
            seg = self.to_segs[i](x, seg)
            if c.residual_refine and seg.shape[2] == c.coarse_size:
                seg = seg + coarse
        return rgb, seg


class Generator(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.c = c
        self.style = Mapping(c)
        self.local_nets = LocalGenerators(c)
        self.render_net = RenderNet(c)

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        return self.style(z)

    def broadcast(self, w: torch.Tensor) -> torch.Tensor:
        """w [B, D] -> W+ [B, n_latent, D] with every row equal."""
        return w[:, None].expand(-1, self.c.n_latent, -1)

    def forward(self, wplus: torch.Tensor, cmask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        feat, depth = self.local_nets(wplus)
        fused, m = fuse(self.c, feat, depth, cmask)
        coarse = 2 * m - 1
        image, seg = self.render_net(fused, coarse)
        return {'image': image, 'segmentation': seg, 'coarse': coarse, 'depth': depth, 'mask': m}

    # ---- the authors' parameter names (checkpoint layout, read by ssg import-checkpoint) ----

    def state_dict_authors(self) -> 'OrderedDict[str, torch.Tensor]':
        c, ln, rn = self.c, self.local_nets, self.render_net
        K, L = c.seg_dim, c.local_layers
        sd: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
        k4 = make_kernel() * 4
        for i in range(c.n_mlp):
            sd[f'style.{i + 1}.weight'] = self.style.weight[i]
            sd[f'style.{i + 1}.bias'] = self.style.bias[i]
        sd['pos_embed.weights'] = ln.pos_weight[:, :, None, None]
        for k in range(K):
            p = f'local_nets.{k}.'
            for j in range(L):
                q = f'{p}linears.{j}.'
                sd[q + 'conv.weight'] = ln.lin_weight[k, j][None, :, :, None, None]
                sd[q + 'conv.modulation.weight'] = ln.mod_weight[k, j] * ln.mod_mask[k, j]
                sd[q + 'conv.modulation.bias'] = ln.mod_bias[k, j]
                sd[q + 'activate.bias'] = ln.act_bias[k, j]
            sd[p + 'to_feat.upsample.kernel'] = k4
            sd[p + 'to_feat.conv.weight'] = ln.feat_weight[k][:, :, None, None]
            sd[p + 'to_feat.conv.modulation'] = ln.feat_mod[k][None, :, None, None]
            sd[p + 'to_feat.bias'] = ln.feat_bias[k][None, :, None, None]
            if k > 0:
                sd[p + 'to_depth.upsample.kernel'] = k4
                sd[p + 'to_depth.conv.weight'] = ln.depth_weight[k - 1][None, :, None, None]
                sd[p + 'to_depth.conv.modulation'] = ln.depth_mod[k - 1][None, :, None, None]
                sd[p + 'to_depth.bias'] = ln.depth_bias[k - 1].view(1, 1, 1, 1)
        for ci, conv in enumerate(rn.convs):
            p = f'render_net.convs.{ci}.'
            sd[p + 'weight'] = conv.weight
            sd[p + 'modulation'] = conv.modulation
            if conv.up:
                sd[p + 'blur.kernel'] = k4
            sd[p + 'noise.weight'] = conv.noise_weight
            sd[p + 'activate.bias'] = conv.activate_bias
        for name, mods in (('to_rgbs', rn.to_rgbs), ('to_segs', rn.to_segs)):
            for i, m in enumerate(mods):
                p = f'render_net.{name}.{i}.'
                sd[p + 'upsample.kernel'] = k4
                sd[p + 'conv.weight'] = m.weight
                sd[p + 'conv.modulation'] = m.modulation
                sd[p + 'bias'] = m.bias
        for ci, conv in enumerate(rn.convs):
            sd[f'render_net.noises.noise_{ci}'] = conv.noise
        return OrderedDict((k, v.detach().clone().float().contiguous()) for k, v in sd.items())

    @torch.no_grad()
    def load_state_dict_authors(self, sd: Dict[str, torch.Tensor]) -> None:
        mine = self.state_dict_authors()
        missing = [k for k in mine if k not in sd]
        extra = [k for k in sd if k not in mine]
        if missing or extra:
            raise ValueError(f'checkpoint does not match this architecture: missing {missing[:4]}, unexpected {extra[:4]}')
        for k, v in mine.items():
            if tuple(sd[k].shape) != tuple(v.shape):
                raise ValueError(f'checkpoint tensor {k} has shape {tuple(sd[k].shape)}, this architecture needs {tuple(v.shape)}')
        c, ln, rn = self.c, self.local_nets, self.render_net
        for i in range(c.n_mlp):
            self.style.weight[i].copy_(sd[f'style.{i + 1}.weight'])
            self.style.bias[i].copy_(sd[f'style.{i + 1}.bias'])
        ln.pos_weight.copy_(sd['pos_embed.weights'][:, :, 0, 0])
        for k in range(c.seg_dim):
            p = f'local_nets.{k}.'
            for j in range(c.local_layers):
                q = f'{p}linears.{j}.'
                ln.lin_weight[k, j].copy_(sd[q + 'conv.weight'][0, :, :, 0, 0])
                ln.mod_weight[k, j].copy_(sd[q + 'conv.modulation.weight'])
                ln.mod_bias[k, j].copy_(sd[q + 'conv.modulation.bias'])
                ln.act_bias[k, j].copy_(sd[q + 'activate.bias'])
            ln.feat_weight[k].copy_(sd[p + 'to_feat.conv.weight'][:, :, 0, 0])
            ln.feat_mod[k].copy_(sd[p + 'to_feat.conv.modulation'][0, :, 0, 0])
            ln.feat_bias[k].copy_(sd[p + 'to_feat.bias'][0, :, 0, 0])
            if k > 0:
                ln.depth_weight[k - 1].copy_(sd[p + 'to_depth.conv.weight'][0, :, 0, 0])
                ln.depth_mod[k - 1].copy_(sd[p + 'to_depth.conv.modulation'][0, :, 0, 0])
                ln.depth_bias[k - 1].copy_(sd[p + 'to_depth.bias'].view(()))
        for ci, conv in enumerate(rn.convs):
            p = f'render_net.convs.{ci}.'
            conv.weight.copy_(sd[p + 'weight'])
            conv.modulation.copy_(sd[p + 'modulation'])
            conv.noise_weight.copy_(sd[p + 'noise.weight'])
            conv.activate_bias.copy_(sd[p + 'activate.bias'])
            conv.noise.copy_(sd[f'render_net.noises.noise_{ci}'])
        for name, mods in (('to_rgbs', rn.to_rgbs), ('to_segs', rn.to_segs)):
            for i, m in enumerate(mods):
                p = f'render_net.{name}.{i}.'
                m.weight.copy_(sd[p + 'conv.weight'])
                m.modulation.copy_(sd[p + 'conv.modulation'])
                m.bias.copy_(sd[p + 'bias'])
