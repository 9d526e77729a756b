import os
import tempfile
import unittest

import torch

from ssg_train import checkpoint as ckpt
from ssg_train import export
from ssg_train.gan import GanTrainer
from ssg_train.generator import Generator
from ssg_train import losses as L
from ssg_train.recon import ReconTrainer, swap_rows

from .helpers import fixed_batch, tiny_config


class Reconstruction(unittest.TestCase):
    def test_losses_finite_and_falling_on_a_fixed_batch(self):
        images, labels = fixed_batch(8)
        tr = ReconTrainer(tiny_config(), 8, seed=1)
        first = [tr.train_step(images, labels, 8) for _ in range(3)]
        for _ in range(50):
            last = tr.train_step(images, labels, 8)
        for parts in first + [last]:
            self.assertTrue(all(torch.isfinite(torch.tensor(v)) for v in parts.values()), parts)
        start = sum(p['total'] for p in first) / 3
        self.assertLess(last['total'], 0.7 * start, f'total loss {start:.3f} -> {last["total"]:.3f}')
        self.assertLess(last['l1'], first[0]['l1'])
        self.assertLess(last['seg'], first[0]['seg'])
        # the background depth stays 0 after training
        out = tr.g(tr.g.broadcast(tr.codes.weight[:2]))
        self.assertTrue(torch.equal(out['depth'][:, 0], torch.zeros_like(out['depth'][:, 0])))

    def test_checkpoint_resumes_to_the_same_next_step(self):
        images, labels = fixed_batch(8)
        torch.set_num_threads(1)
        a = ReconTrainer(tiny_config(), 8, seed=2)
        for _ in range(3):
            a.train_step(images, labels, 4)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'latest.pt')
            ckpt.save_atomic(a.state({}), path)
            next_a = a.train_step(images, labels, 4)
            b = ReconTrainer(tiny_config(), 8, seed=99)
            b.load(ckpt.load(path))
            next_b = b.train_step(images, labels, 4)
        self.assertEqual(next_a, next_b)
        for (n, pa), pb in zip(a.g.named_parameters(), b.g.parameters()):
            self.assertTrue(torch.equal(pa, pb), n)
        self.assertTrue(torch.equal(a.codes.weight, b.codes.weight))


class Composites(unittest.TestCase):
    def test_swap_rows_are_the_parts_rows(self):
        c = tiny_config()
        hair = 7
        rows = swap_rows(c, torch.tensor([hair, hair, hair, 0]), torch.tensor([0, 1, 2, 2]))
        shape_row = c.base_layers + 2 * hair
        self.assertEqual(rows[0].nonzero().flatten().tolist(), [shape_row])
        self.assertEqual(rows[1].nonzero().flatten().tolist(), [shape_row + 1])
        self.assertEqual(rows[2].nonzero().flatten().tolist(), [shape_row, shape_row + 1])
        self.assertEqual(rows[3].nonzero().flatten().tolist(), [c.base_layers, c.base_layers + 1])

    def test_composite_loss_falls_and_teaches_the_swapped_rows(self):
        torch.set_num_threads(1)
        images, labels = fixed_batch(8)
        # "A with B's class-k part" = here simply B's picture: the mixed code must learn to draw it.
        meta = {'a': torch.arange(8), 'b': (torch.arange(8) + 1) % 8,
                'component': torch.tensor([1 + i % 12 for i in range(8)]), 'part': torch.full((8,), 2)}
        comps = (images[meta['b']], labels[meta['b']], meta)
        tr = ReconTrainer(tiny_config(), 8, seed=4)
        first = tr.train_step(images, labels, 4, composites=comps, comp_batch=4)
        self.assertIn('comp_l1', first)
        for _ in range(60):
            last = tr.train_step(images, labels, 4, composites=comps, comp_batch=4)
        self.assertLess(last['comp_l1'], first['comp_l1'])
        self.assertEqual(tr.images_seen, 61 * 8)

    def test_class_weights_count_small_parts(self):
        share = torch.tensor([0.5, 0.2, 0.01, 0.29])
        w = L.class_weights(share)
        self.assertGreater(float(w[2]), 3 * float(w[0]))
        self.assertAlmostEqual(float((w * share).sum()), 1.0, places=5)


class Adversarial(unittest.TestCase):
    def test_gan_steps_are_finite_and_resume_exactly(self):
        images, labels = fixed_batch(8)
        torch.set_num_threads(1)
        a = GanTrainer(tiny_config(), with_seg=True, d_base=4, seed=3)
        for _ in range(3):
            parts = a.train_step(images, labels, 4)
            self.assertTrue(all(torch.isfinite(torch.tensor(v)) for v in parts.values()), parts)
        self.assertIn('r1', GanTrainer(tiny_config(), True, d_base=4).train_step(images, labels, 4))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'latest.pt')
            ckpt.save_atomic(a.state({}), path)
            next_a = a.train_step(images, labels, 4)
            b = GanTrainer(tiny_config(), with_seg=True, d_base=4, seed=42)
            b.load(ckpt.load(path))
            self.assertEqual(next_a, b.train_step(images, labels, 4))

    def test_finetune_uses_an_image_only_discriminator(self):
        images, labels = fixed_batch(8)
        src = GanTrainer(tiny_config(), with_seg=True, d_base=4, seed=4)
        src.train_step(images, labels, 4)
        ft = GanTrainer(tiny_config(), with_seg=False, d_base=4, seed=5)
        ft.load(src.state({}), weights_only=True)
        self.assertIsNone(ft.d.seg)
        # the trained image branch was kept
        self.assertTrue(torch.equal(ft.d.img.head.weight, src.d.img.head.weight))
        parts = ft.train_step(images, None, 4)
        self.assertTrue(all(torch.isfinite(torch.tensor(v)) for v in parts.values()))


class Export(unittest.TestCase):
    def test_fitted_mapping_reproduces_the_codes_distribution_and_images(self):
        c = tiny_config()
        torch.manual_seed(5)
        g = Generator(c)
        codes = torch.randn(4000, c.latent) * torch.linspace(0.3, 2.0, c.latent) + torch.linspace(-3, 3, c.latent)
        ref = g(g.broadcast(codes[:3]))['image']
        delta = export.fit_mapping(g, codes)
        self.assertTrue(torch.allclose(g(g.broadcast(codes[:3] + delta))['image'], ref, atol=1e-4))
        w = g.mapping(torch.randn(20000, c.latent)) - delta
        self.assertLess(float((w.mean(0) - codes.mean(0)).abs().max()), 0.1)
        self.assertLess(float((w.std(0) - codes.std(0)).abs().max()), 0.1)


if __name__ == '__main__':
    unittest.main()
