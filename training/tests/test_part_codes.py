import copy
import json
import random
import unittest

import torch

from ssg_train.config import PRESETS
from ssg_train.generator import Generator
from ssg_train.part_codes import (PartCodes, build_mapping, build_schema, encode_params, mask_modulations,
                                  row_sources, sampled_categories)
from ssg_train.part_encoder import PartEncoder, heads_of, row_targets
from ssg_train.recon import swap_rows

from .helpers import perturb


def _hex(rng):
    return '#' + ''.join(f'{rng.randrange(256):02x}' for _ in range(3))


def fake_params(n, seed=0):
    """Parameter objects shaped like facesjs's (src/dataset/face-svg.ts), with small vocabularies and
    a rare 'glasses' (10%), so that shares can be checked."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        c = lambda k, m: f'{k}{rng.randrange(m)}'  # noqa: E731
        face = {
            'fatness': rng.random(), 'teamColors': [_hex(rng) for _ in range(3)], 'hairBg': {'id': c('bg', 3)},
            'body': {'id': c('body', 3), 'color': rng.choice(['#f2d6cb', '#ddb7a0', '#a67358']), 'size': rng.random()},
            'jersey': {'id': c('jersey', 4)}, 'ear': {'id': c('ear', 3), 'size': rng.random()},
            'head': {'id': c('head', 5), 'shave': 'rgba(0,0,0,0)'}, 'eyeLine': {'id': c('line', 2)},
            'smileLine': {'id': c('line', 2), 'size': rng.random()}, 'miscLine': {'id': c('misc', 3)},
            'facialHair': {'id': 'none' if rng.random() < 0.7 else c('beard', 3)},
            'eye': {'id': c('eye', 6), 'angle': rng.randrange(-10, 10)},
            'eyebrow': {'id': c('brow', 5), 'angle': rng.randrange(-10, 10)},
            'hair': {'id': c('hair', 6), 'color': rng.choice(['#272421', '#0f0902', '#CC9966']), 'flip': rng.random() < 0.5},
            'mouth': {'id': c('mouth', 4), 'flip': rng.random() < 0.5},
            'nose': {'id': c('nose', 4), 'flip': rng.random() < 0.5, 'size': rng.random()},
            'glasses': {'id': 'none' if rng.random() < 0.9 else c('glasses', 2)},
            'accessories': {'id': 'none' if rng.random() < 0.8 else c('hat', 3)},
        }
        out.append({'face': face, 'background': _hex(rng), 'gender': 'male'})
    return out


def parts_config():
    cfg = copy.deepcopy(PRESETS['tiny'])
    cfg.latent = 512
    return cfg


class PartCodesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.cfg = parts_config()
        cls.params = fake_params(400)
        cls.schema = build_schema(cls.cfg, cls.params)
        cls.enc = encode_params(cls.schema, cls.params)
        cls.codes = PartCodes(cls.schema)
        perturb(cls.codes, scale=0.5)

    def test_every_row_is_coded_from_its_parts_parameters_only(self):
        rows = row_sources(self.cfg)
        eyes = self.cfg.class_names.index('eyes')
        self.assertEqual(rows[self.cfg.base_layers + 2 * eyes], ['face.eye.id', 'face.eye.angle:'])
        # A's parameters with B's eye: the W+ is A's with B's eye rows, nothing else moves.
        a, b = 0, 1
        mixed = copy.deepcopy(self.params[a])
        mixed['face']['eye'] = copy.deepcopy(self.params[b]['face']['eye'])
        e = encode_params(self.schema, [self.params[a], self.params[b], mixed])
        w = self.codes(e['cat'], e['num'])
        take = swap_rows(self.cfg, torch.tensor([eyes]), torch.tensor([2]))[0]
        expect = torch.where(take[:, None], w[1], w[0])
        self.assertTrue(torch.equal(w[2], expect))
        self.assertFalse(torch.equal(w[2], w[0]))
        # Slots do not overlap and fit the latent.
        ends = [(s['offset'], s['offset'] + s['width']) for s in self.schema['slots'] if s['width']]
        for (s0, e0), (s1, e1) in zip(ends, ends[1:]):
            self.assertLessEqual(e0, s1)
        self.assertLessEqual(ends[-1][1], self.cfg.latent)

    def test_modulations_read_only_their_rows_slot(self):
        g = Generator(self.cfg)
        perturb(g)
        mask_modulations(g, self.schema)
        w = self.codes(self.enc['cat'][:2], self.enc['num'][:2])
        noise = torch.randn(w.shape, generator=torch.Generator().manual_seed(5))
        # Values outside each row's slot are ignored.
        outside = torch.ones_like(w)
        for r, s in enumerate(self.schema['slots']):
            outside[:, r, s['offset']:s['offset'] + s['width']] = 0
        with torch.no_grad():
            a = g(w)['image']
            b = g(w + noise * outside)['image']
        self.assertLess(float((a - b).abs().max()), 1e-5)

    def test_built_mapping_samples_faces_in_their_dataset_shares(self):
        g = Generator(self.cfg)
        perturb(g)
        mask_modulations(g, self.schema)
        ref = copy.deepcopy(g)
        built = build_mapping(g, self.codes)
        delta = built['delta']
        # The shift is absorbed: a face's codes + delta render as the codes did before.
        w = self.codes(self.enc['cat'][:2], self.enc['num'][:2])
        with torch.no_grad():
            self.assertLess(float((g(w + delta)['image'] - ref(w)['image']).abs().max()), 1e-3)
            z = torch.randn(4000, self.cfg.latent, generator=torch.Generator().manual_seed(1))
            sampled = g.mapping(z) - delta
        # Decode the glasses row: nearest category code; its share is the dataset's.
        cats = [v['name'] for v in self.schema['variables'] if v['kind'] == 'cat']
        j = cats.index('face.glasses.id')
        table, r = next((t, r) for t, (r, jj) in zip(self.codes.tables, self.codes.table_use) if jj == j)
        s = self.schema['slots'][r]
        vals = sampled[:, s['offset']:s['offset'] + s['width']] / self.codes.gain(r)
        nearest = torch.cdist(vals, table.detach()).argmin(1)
        none_share = float((nearest == 0).float().mean())
        v = self.schema['variables'][[x['name'] for x in self.schema['variables']].index('face.glasses.id')]
        self.assertEqual(json.loads(v['vocab'][0]), 'none')
        self.assertAlmostEqual(none_share, v['share'][0], delta=0.03)
        # And each sample sits on a category's code, not between two.
        dist = torch.cdist(vals, table.detach()).min(1).values
        self.assertGreater(float((dist < 0.05).float().mean()), 0.95)

    def test_rare_categories_keep_their_total_share(self):
        share = [0.76] + [0.24 / 40] * 40
        picks = sampled_categories(share)
        self.assertAlmostEqual(picks[0][1], 0.76, places=6)
        self.assertAlmostEqual(sum(s for _, s in picks), 1.0, places=6)

    def test_part_encoder_writes_the_exported_models_codes(self):
        g = Generator(self.cfg)
        perturb(g)
        mask_modulations(g, self.schema)
        delta = build_mapping(g, self.codes)['delta']
        model_ck = {'part_schema': self.schema, 'part_codes': self.codes.state_dict(), 'part_delta': delta}
        enc = PartEncoder(self.schema, self.cfg.size, hidden=32)
        enc.attach(model_ck, delta)
        heads = heads_of(self.schema)
        # Composite targets: the eyebrow texture row of a hair-colour swap keeps A's colour.
        hair = self.cfg.class_names.index('hair')
        from_b = swap_rows(self.cfg, torch.tensor([hair]), torch.tensor([1]))
        cat_t, num_t = row_targets(heads, self.enc, torch.tensor([0]), torch.tensor([1]), from_b)
        # Perfect predictions (one-hot logits, true scores) give the model's codes + shift.
        logits = torch.cat([torch.nn.functional.one_hot(cat_t[0, i], v).float() * 50
                            for i, (_, _, v) in enumerate(heads[0])])[None]
        enc.predict = lambda image: (logits, num_t)
        w = enc.codes(torch.zeros(1, 3, self.cfg.size, self.cfg.size))
        a, b = self.codes(self.enc['cat'][:2], self.enc['num'][:2])
        expect = torch.where(from_b[0][:, None], b, a)
        slot_mask = torch.zeros_like(expect)
        for r, s in enumerate(self.schema['slots']):
            slot_mask[r, s['offset']:s['offset'] + s['width']] = 1
        self.assertLess(float(((w[0] - delta - expect) * slot_mask).abs().max()), 1e-3)


if __name__ == '__main__':
    unittest.main()
