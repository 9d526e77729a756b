"""python3 -m ssg_train <command> ...: the commands `ssg train|finetune|export-model|train-encoder|export-encoder` call."""
import argparse
import os
import sys

from . import checkpoint as ckpt
from .data import DataError


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='ssg_train')
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train', help='train a generator on a make-dataset directory')
    t.add_argument('--data', required=True)
    t.add_argument('--out', required=True)
    t.add_argument('--mode', choices=['recon', 'gan', 'parts'], default='recon')
    t.add_argument('--preset', default='cartoon64')
    t.add_argument('--kimg', type=float, default=100)
    t.add_argument('--batch', type=int, default=16)
    t.add_argument('--lr', type=float, default=2e-3)
    t.add_argument('--code-lr', type=float, default=1e-2)
    t.add_argument('--resume')
    t.add_argument('--warm-start', help='parts mode: take the local and render nets of this training checkpoint')
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
    e.add_argument('--encoder-out', help='for a train-joint checkpoint: write its encoder (a train-encoder checkpoint) here')
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
    n = sub.add_parser('train-encoder', help='train an image -> W+ encoder (ReStyle iterations) for a model checkpoint')
    n.add_argument('--model-ckpt', help='model checkpoint (export output); default on --resume: the one it was trained for')
    n.add_argument('--data', help='a make-dataset directory whose images (with masks) join the generated pairs')
    n.add_argument('--extra-data', action='append', help='part-coded models: another make-dataset directory to learn from')
    n.add_argument('--heldout', help='part-coded models: a make-dataset directory to measure recognition on')
    n.add_argument('--model-dir', help="the served model directory: inversions start at its manifest's w_avg")
    n.add_argument('--out', required=True)
    n.add_argument('--kimg', type=float, default=50)
    n.add_argument('--iterations', type=int, default=4, help='ReStyle iterations per training image (and at inversion)')
    n.add_argument('--batch', type=int, default=8)
    n.add_argument('--real-share', type=float, default=0.5, help='share of each batch taken from --data')
    n.add_argument('--lr', type=float, default=5e-4)
    n.add_argument('--base', type=int, default=32, help='encoder width (channels of the first stage)')
    n.add_argument('--hidden', type=int, default=160, help='encoder head width')
    n.add_argument('--feature-steps', type=int, default=600, help='training steps of the perceptual feature net (0: no perceptual loss)')
    n.add_argument('--resume')
    n.add_argument('--max-images', type=int)
    n.add_argument('--threads', type=int, default=2)
    n.add_argument('--seed', type=int, default=0)
    n.add_argument('--bf16', action='store_true')
    n.add_argument('--log-every', type=int, default=10)
    n.add_argument('--sheet-every', type=float, default=2.0)
    n.add_argument('--ckpt-every', type=float, default=0.5)
    j = sub.add_parser('train-joint', help='train the encoder and the generator together on exact part swaps')
    j.add_argument('--data', required=True, help='a make-dataset directory with make-composites swaps')
    j.add_argument('--from-recon', help='reconstruction training checkpoint (ssg train latest.pt) to start from')
    j.add_argument('--encoder', help='encoder checkpoint (ssg train-encoder) whose convolutions to keep')
    j.add_argument('--out', required=True)
    j.add_argument('--kimg', type=float, default=100)
    j.add_argument('--comp-batch', type=int, default=8, help='exact swaps a step (their faces A and B are encoded)')
    j.add_argument('--glo-batch', type=int, default=8, help='dataset images a step rendered from their codes')
    j.add_argument('--lr', type=float, default=1e-3)
    j.add_argument('--enc-lr', type=float, default=1e-3)
    j.add_argument('--code-lr', type=float, default=1e-2)
    j.add_argument('--hidden', type=int, default=384, help='encoder head width')
    j.add_argument('--resume')
    j.add_argument('--threads', type=int, default=2)
    j.add_argument('--seed', type=int, default=0)
    j.add_argument('--bf16', action='store_true')
    j.add_argument('--log-every', type=int, default=10)
    j.add_argument('--sheet-every', type=float, default=2.0)
    j.add_argument('--ckpt-every', type=float, default=1.0)
    x = sub.add_parser('export-encoder', help='write encoder.onnx + encoder.json into a model directory; with --heldout, its figures')
    x.add_argument('--from', dest='from_ckpt', required=True, help='encoder checkpoint (train-encoder latest.pt)')
    x.add_argument('--out', required=True, help='the model directory (holds manifest.json)')
    x.add_argument('--heldout', help='a make-dataset directory the model never saw: PSNR and mask IoU per iteration')
    x.add_argument('--images', type=int, default=500, help='held-out images to evaluate on')
    x.add_argument('--sheet', help='PNG: targets, true masks, inversion per iteration, inverted masks')
    x.add_argument('--check-dir', help='write a parity sample (inputs and PyTorch delta as .npy) here')
    x.add_argument('--threads', type=int, default=2)
    o = p.parse_args(argv)
    try:
        if o.cmd == 'evaluate':
            import json
            from . import evaluate
            r = evaluate.run(o)
            print(json.dumps({k: r[k] for k in ('frechet_generated_vs_heldout', 'frechet_train_vs_heldout', 'swap_locality')}, indent=2))
        elif o.cmd == 'train-encoder':
            from . import encoders
            encoders.train(o)
        elif o.cmd == 'train-joint':
            from . import joint
            if not o.resume and not o.from_recon:
                raise ValueError('train-joint needs --from-recon (or --resume)')
            joint.run(o)
        elif o.cmd == 'export-encoder':
            import json
            from . import encoder_export
            r = encoder_export.export(o.from_ckpt, o.out, o.heldout, o.images, o.sheet, o.check_dir, o.threads)
            print(f"wrote {os.path.join(o.out, 'encoder.onnx')} ({r['bytes'] / 1e6:.1f} MB) and encoder.json; {r['check']}; "
                  f"w_avg vs manifest: {r['model_dir_check']['w_avg_max_difference']:.4f}")
            if r['figures']:
                print(json.dumps(r['figures']['perIteration']) + f"  {r['figures']['secondsPerInversion']['seconds']} s per inversion")
        elif o.cmd == 'export':
            from . import export
            r = export.export(o.from_ckpt, o.out, o.description, o.ema, o.encoder_out)
            print(f"wrote {r['out']}: {r['args']['model_description']}")
            if r.get('encoder'):
                print(f"wrote {r['encoder']}: the encoder trained with it")
        elif o.cmd == 'train' and o.mode == 'parts':
            from . import parts
            parts.run(o)
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
