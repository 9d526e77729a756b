import json
import os
import tempfile
import unittest

import torch

from ssg_train import checkpoint as ckpt
from ssg_train import encoder_export, export
from ssg_train.encoder import EncoderTrainer, invert, load_generator
from ssg_train.encoders import encoder_from_checkpoint
from ssg_train.recon import ReconTrainer

from .helpers import fixed_batch, tiny_config


def tiny_model(tmp):
    """A tiny generator trained a few steps by reconstruction (discs on a background) and exported
    with its fitted mapping: a model checkpoint as `ssg_train export` writes it."""
    images, labels = fixed_batch(16)
    rt = ReconTrainer(tiny_config(), 16, seed=1)
    for _ in range(100):
        rt.train_step(images, labels, 8)
    train_ckpt, model = os.path.join(tmp, 'train.pt'), os.path.join(tmp, 'model.pt')
    ckpt.save_atomic(rt.state(tiny_config().as_args()), train_ckpt)
    export.export(train_ckpt, model)
    return model, load_generator(model)


class Encoder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model, cls.g = tiny_model(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_training_lowers_the_losses_and_resumes_exactly(self):
        tr = EncoderTrainer(self.g, None, iterations=2, lr=2e-3, seed=1, base=8, hidden=64)
        first = [tr.train_step(8) for _ in range(3)]
        later = [tr.train_step(8) for _ in range(80)][-10:]

        def mean(parts, k):
            return sum(p[k] for p in parts) / len(parts)
        for k, factor in (('mean_total', 0.9), ('l1', 0.8)):
            self.assertLess(mean(later, k), factor * mean(first, k), f'{k}: {mean(first, k):.4f} -> {mean(later, k):.4f}')
        path = os.path.join(self.tmp.name, 'enc.pt')
        ckpt.save_atomic(tr.state({'model_ckpt': self.model}), path)
        next_a = tr.train_step(4)
        b = EncoderTrainer(self.g, None, iterations=2, lr=2e-3, seed=9, base=8, hidden=64)
        b.load(torch.load(path))
        self.assertEqual(next_a, b.train_step(4))

        # Iterating the trained encoder on generated faces gets closer to them than w_avg.
        gen = torch.Generator().manual_seed(5)
        with torch.no_grad():
            target = self.g(self.g.broadcast(self.g.mapping(torch.randn(16, 16, generator=gen))))['image'].clamp(-1, 1)
        enc = encoder_from_checkpoint(torch.load(path))
        steps = invert(enc, self.g, target, 2)
        err = [float((s['image'] - target).pow(2).mean()) for s in steps]
        self.assertLess(err[2], 0.6 * err[0], f'reconstruction MSE per iteration {err}')

        # The export: ONNX with the contract's names, and encoder.json with its shapes.
        model_dir = os.path.join(self.tmp.name, 'model')
        os.makedirs(model_dir)
        c = self.g.c
        with open(os.path.join(model_dir, 'manifest.json'), 'w') as f:
            json.dump({'config': {'size': c.size}, 'layout': {'nLatent': c.n_latent, 'dim': c.latent},
                       'w_avg': tr.w_avg.tolist()}, f)
        meta = encoder_export.export(path, model_dir)
        with open(os.path.join(model_dir, 'encoder.onnx'), 'rb') as f:
            onnx_bytes = f.read()
        for name in (b'image', b'reconstruction', b'latent', b'delta'):
            self.assertIn(name, onnx_bytes)
        with open(os.path.join(model_dir, 'encoder.json')) as f:
            on_disk = json.load(f)
        self.assertEqual(on_disk, json.loads(json.dumps({k: v for k, v in meta.items() if k in on_disk})))
        self.assertEqual(on_disk['inputs']['latent']['shape'], ['B', c.n_latent, c.latent])
        self.assertEqual(on_disk['outputs']['delta']['shape'], ['B', c.n_latent, c.latent])
        self.assertEqual(on_disk['inputs']['image']['shape'], ['B', 3, 32, 32])
        self.assertEqual(on_disk['defaultIterations'], 2)
        self.assertEqual(meta['model_dir_check']['w_avg_max_difference'], 0.0)

    def test_export_refuses_a_model_of_another_layout(self):
        tr = EncoderTrainer(self.g, None, iterations=1, seed=1, base=8, hidden=32)
        path = os.path.join(self.tmp.name, 'other.pt')
        ckpt.save_atomic(tr.state({'model_ckpt': self.model}), path)
        model_dir = os.path.join(self.tmp.name, 'wide')
        os.makedirs(model_dir)
        with open(os.path.join(model_dir, 'manifest.json'), 'w') as f:
            json.dump({'config': {'size': 64}, 'layout': {'nLatent': 28, 'dim': 128}, 'w_avg': [0.0] * 128}, f)
        with self.assertRaisesRegex(ckpt.CheckpointError, 'serves 64 px with W\\+ \\[28, 128\\], the encoder was trained for 32 px'):
            encoder_export.export(path, model_dir)
        self.assertFalse(os.path.exists(os.path.join(model_dir, 'encoder.onnx')))
