"""Which encoder a model gets. A part-coded model (part_codes.py) is inverted by recognising each
row's facesjs parameters (part_encoder.py); any other model by ReStyle iterations (encoder.py).
`ssg train-encoder` and `ssg export-encoder` come through here, so neither kind imports the other."""
import torch

from . import checkpoint as ckpt
from . import encoder, part_encoder


def encoder_from_checkpoint(ck: dict) -> torch.nn.Module:
    """The encoder a train-encoder checkpoint holds, ready to run (eval mode)."""
    s = ck['encoder_spec']
    if s.get('kind') == 'parts':
        pe = part_encoder.PartEncoder(ck['part_schema'], s['size'], s['hidden']).eval()
        pe.load_state_dict(ck['encoder'])
        return pe
    return encoder.restyle_from_checkpoint(ck)


def train(o) -> None:
    """`ssg train-encoder`: the kind follows the model checkpoint."""
    resume = encoder.load_encoder_checkpoint(o.resume) if o.resume else None
    model_ckpt = o.model_ckpt or (resume['args']['model_ckpt'] if resume else None)
    if not model_ckpt:
        raise ValueError('train-encoder needs --model-ckpt (a model checkpoint made by `python3 -m ssg_train export`)')
    torch.set_num_threads(o.threads)
    model_ck = ckpt.load(model_ckpt)
    g = encoder.generator_of(model_ck, model_ckpt)
    if model_ck.get('part_schema') is not None:
        w_avg = encoder.manifest_w_avg(o.model_dir, g.c) if o.model_dir else encoder.mean_latent(g)
        return part_encoder.run(o, model_ckpt, model_ck, w_avg)
    return encoder.run(o, resume, model_ckpt, g)
