"""ssg-studio's training code: SemanticStyleGAN in PyTorch (generator, dual-branch discriminator),
reconstruction (GLO) and adversarial training, fine-tuning, checkpoints in the authors' layout.

Run through the TypeScript CLI (`npx ssg train ...`) or `python3 -m ssg_train ...` from training/.
"""

try:
    import torch  # noqa: F401
except ImportError as e:  # the first python3 on PATH (pyenv, a venv) often lacks Debian's torch
    import sys
    raise SystemExit(f'ssg_train: {sys.executable} cannot import torch ({e}); run it with /usr/bin/python3 '
                     "(Debian's python3-torch python3-numpy python3-pil) or set SSG_PYTHON for the ssg CLI")
