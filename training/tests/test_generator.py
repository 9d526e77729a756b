import unittest

import torch

from ssg_train.generator import Generator

from .helpers import perturb, tiny_config


class GeneratorStructure(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.c = tiny_config()
        self.g = Generator(self.c)
        perturb(self.g)

    def test_background_depth_is_zero(self):
        out = self.g(self.g.broadcast(torch.randn(3, self.c.latent)))
        self.assertTrue(torch.equal(out['depth'][:, 0], torch.zeros_like(out['depth'][:, 0])))
        self.assertGreater(float(out['depth'][:, 1:].abs().max()), 0.0)

    def test_texture_gradient_does_not_reach_shape_layers(self):
        c, ln = self.c, self.g.local_nets
        wplus = self.g.broadcast(torch.randn(2, c.latent)).clone().requires_grad_(True)
        feat, _ = ln(wplus)  # features only: the path through the texture layers
        feat.square().sum().backward()
        shape = ln.lin_weight.grad[:, :c.depth_layers]
        texture = ln.lin_weight.grad[:, c.depth_layers:]
        self.assertTrue(torch.equal(shape[1:], torch.zeros_like(shape[1:])), 'non-background shape layers got texture gradient')
        self.assertGreater(float(shape[0].abs().max()), 0.0, 'the background keeps its gradient (not stopped)')
        self.assertGreater(float(texture[1:].abs().min(dim=-1).values.max()), 0.0)
        # ...and a shape code of class k gets no gradient through its texture rows either
        shape_rows = [c.base_layers + 2 * k for k in range(1, c.seg_dim)]
        self.assertTrue(torch.equal(wplus.grad[:, shape_rows], torch.zeros_like(wplus.grad[:, shape_rows])))

    def test_without_detach_the_gradient_flows(self):
        self.c.detach_texture = False
        g = Generator(self.c)
        perturb(g)
        feat, _ = g.local_nets(g.broadcast(torch.randn(2, self.c.latent)))
        feat.square().sum().backward()
        self.assertGreater(float(g.local_nets.lin_weight.grad[1:, :self.c.depth_layers].abs().max()), 0.0)

    def test_authors_state_dict_round_trip(self):
        sd = self.g.state_dict_authors()
        g2 = Generator(self.c)
        g2.load_state_dict_authors(sd)
        w = self.g.broadcast(torch.randn(2, self.c.latent))
        self.assertTrue(torch.equal(self.g(w)['image'], g2(w)['image']))

    def test_another_architecture_is_refused_by_name(self):
        sd = self.g.state_dict_authors()
        sd['render_net.convs.1.weight'] = sd['render_net.convs.1.weight'][:, :-1]
        with self.assertRaisesRegex(ValueError, 'render_net.convs.1.weight has shape'):
            Generator(self.c).load_state_dict_authors(sd)
        del sd['style.1.weight']
        with self.assertRaisesRegex(ValueError, 'missing'):
            Generator(self.c).load_state_dict_authors(sd)

    def test_upsampling_phases_equal_transposed_conv_and_blur(self):
        from ssg_train.ops import make_kernel, upfirdn2d
        import torch.nn.functional as F
        conv = self.g.render_net.convs[0]
        x = torch.randn(2, conv.weight.shape[1], 8, 8)
        W = conv.folded_weight()
        ref = upfirdn2d(F.conv_transpose2d(x, W.transpose(0, 1), stride=2), make_kernel() * 4, pad=(1, 1))
        ref = torch.nn.functional.leaky_relu(ref + conv.noise_weight * conv.noise + conv.activate_bias.view(1, -1, 1, 1), 0.2) * 2 ** 0.5
        self.assertLess(float((conv(x) - ref).abs().max()), 1e-4)
