"""python3 -m ssg_train <command> ...: the commands `ssg train|finetune|export` call."""
import argparse
import sys

from . import checkpoint as ckpt
from .data import DataError


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='ssg_train')
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train', help='train a generator on a make-dataset directory')
    t.add_argument('--data', required=True)
    t.add_argument('--out', required=True)
    t.add_argument('--mode', choices=['recon', 'gan'], default='recon')
    t.add_argument('--preset', default='cartoon64')
    t.add_argument('--kimg', type=float, default=100)
    t.add_argument('--batch', type=int, default=16)
    t.add_argument('--lr', type=float, default=2e-3)
    t.add_argument('--code-lr', type=float, default=1e-2)
    t.add_argument('--resume')
    t.add_argument('--max-images', type=int)
    t.add_argument('--threads', type=int, default=2)
    t.add_argument('--seed', type=int, default=0)
    t.add_argument('--bf16', action='store_true')
    t.add_argument('--d-base', type=int, default=32, help='discriminator width (channels at 256 px)')
    t.add_argument('--log-every', type=int, default=10)
    t.add_argument('--sheet-every', type=float, default=2.0, help='kimg between sample sheets')
    t.add_argument('--ckpt-every', type=float, default=1.0, help='kimg between checkpoints')
    f = sub.add_parser('finetune', help='fine-tune a checkpoint on a folder of images without masks')
    f.add_argument('--from', dest='from_ckpt', required=True)
    f.add_argument('--images', required=True)
    f.add_argument('--out', required=True)
    f.add_argument('--kimg', type=float, default=20)
    f.add_argument('--batch', type=int, default=8)
    f.add_argument('--lr', type=float, default=2e-3)
    f.add_argument('--resume')
    f.add_argument('--max-images', type=int)
    f.add_argument('--threads', type=int, default=2)
    f.add_argument('--seed', type=int, default=0)
    f.add_argument('--bf16', action='store_true')
    f.add_argument('--d-base', type=int, default=32)
    f.add_argument('--log-every', type=int, default=10)
    f.add_argument('--sheet-every', type=float, default=2.0)
    f.add_argument('--ckpt-every', type=float, default=1.0)
    e = sub.add_parser('export', help='write a model checkpoint for `ssg import-checkpoint` from a training checkpoint')
    e.add_argument('--from', dest='from_ckpt', required=True)
    e.add_argument('--out', required=True)
    e.add_argument('--description')
    e.add_argument('--ema', action='store_true', help='export g_ema instead of g')
    v = sub.add_parser('evaluate', help='quality figures: Frechet distance, class areas, swap locality')
    v.add_argument('--ckpt', required=True, help='a model checkpoint (export output)')
    v.add_argument('--train-data', required=True)
    v.add_argument('--heldout', required=True, help='a dataset made with another seed')
    v.add_argument('--out', required=True)
    v.add_argument('--samples', type=int, default=1000)
    v.add_argument('--psi', type=float, default=1.0)
    v.add_argument('--feature-images', type=int, default=5000)
    v.add_argument('--feature-steps', type=int, default=600)
    v.add_argument('--threads', type=int, default=2)
    o = p.parse_args(argv)
    try:
        if o.cmd == 'evaluate':
            import json
            from . import evaluate
            r = evaluate.run(o)
            print(json.dumps({k: r[k] for k in ('frechet_generated_vs_heldout', 'frechet_train_vs_heldout', 'swap_locality')}, indent=2))
        elif o.cmd == 'export':
            from . import export
            r = export.export(o.from_ckpt, o.out, o.description, o.ema)
            print(f"wrote {r['out']}: {r['args']['model_description']}")
        elif o.cmd == 'train' and o.mode == 'recon':
            from . import recon
            recon.run(o)
        else:
            from . import gan
            gan.run(o)
    except (DataError, ckpt.CheckpointError, ValueError) as e:
        print(f'ssg: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
