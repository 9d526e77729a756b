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
    t.add_argument('--log-every', type=int, default=10)
    t.add_argument('--sheet-every', type=float, default=2.0, help='kimg between sample sheets')
    t.add_argument('--ckpt-every', type=float, default=1.0, help='kimg between checkpoints')
    o = p.parse_args(argv)
    try:
        if o.cmd == 'train' and o.mode == 'recon':
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
