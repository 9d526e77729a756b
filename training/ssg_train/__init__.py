"""ssg-studio's training code: SemanticStyleGAN in PyTorch (generator, dual-branch discriminator),
reconstruction (GLO) and adversarial training, fine-tuning, checkpoints in the authors' layout.

Run through the TypeScript CLI (`npx ssg train ...`) or `python3 -m ssg_train ...` from training/.
"""
