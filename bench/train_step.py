"""Training-step benchmark: /usr/bin/python3 bench/train_step.py [--steps 12] [--batch 16]

Times the reconstruction step of `ssg train` on the cartoon64 preset (random codes, synthetic
images, so no dataset is needed) in fp32 and bf16 autocast, with and without the composite
half-batch, and prints images/s and the step's GFLOP/s (the generator's forward FLOPs as the
served graph counts them, times 3 for forward plus backward). Compare modes as
ratios of one run; the machine's CPU is printed with them."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'training'))

import torch  # noqa: E402

from ssg_train.config import PRESETS  # noqa: E402
from ssg_train.recon import ReconTrainer  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--steps', type=int, default=12)
p.add_argument('--batch', type=int, default=16)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--gflop-per-image', type=float, default=1.27, help="forward GFLOP of one image (ssg bench's gflop_per_image)")
o = p.parse_args()
torch.set_num_threads(o.threads)
cfg = PRESETS['cartoon64']
S, N = cfg.size, 256
gen = torch.Generator().manual_seed(0)
images = torch.randint(0, 255, (N, 3, S, S), dtype=torch.uint8, generator=gen)
labels = torch.randint(0, cfg.seg_dim, (N, S, S), dtype=torch.uint8, generator=gen)
meta = {'a': torch.arange(N), 'b': torch.roll(torch.arange(N), 1),
        'component': torch.randint(1, cfg.seg_dim, (N,), generator=gen), 'part': torch.full((N,), 2)}
composites = (images, labels, meta)


cpu = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')), '?')
print(f'cartoon64 training step, batch {o.batch}, {o.threads} threads, torch {torch.__version__}, {cpu}')
print(f'GFLOP per image: {o.gflop_per_image} forward (the served graph, `ssg bench --model models/cartoon64`), x3 with backward')
for bf16 in (False, True):
    for comp in (0, o.batch):
        tr = ReconTrainer(cfg, N, seed=1)
        tr.train_step(images, labels, o.batch, bf16, composites, comp)  # warm-up
        t = time.time()
        for _ in range(o.steps):
            tr.train_step(images, labels, o.batch, bf16, composites, comp)
        dt = time.time() - t
        ips = o.steps * (o.batch + comp) / dt
        print(f"{'bf16' if bf16 else 'fp32'}  composites {'on ' if comp else 'off'}  {ips:6.1f} images/s  "
              f"{dt / o.steps * 1000:7.1f} ms/step  {3 * o.gflop_per_image * ips:6.1f} GFLOP/s")
