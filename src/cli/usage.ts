// Usage text and accepted options of every `ssg` command, in one table: `--help`, `ssg help CMD`,
// the one parser (./args.ts) and the argument list a training command hands to Python all read it,
// so help, parsing and what Python receives cannot disagree. The commands are in ./commands/.

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Value placeholder shown in help, for string options. */
  value?: string;
  help: string;
  required?: boolean;
  /**
   * Training commands: how the option reaches `python -m ssg_train` (./args.ts pythonArgs).
   * 'value': as given; 'path': made absolute (the Python module runs in training/, not in the
   * user's directory); 'paths': a comma-separated list, each made absolute and passed as its own
   * `--flag PATH`. Absent: the command uses it itself (or not at all).
   */
  python?: 'value' | 'path' | 'paths';
}

export interface CommandSpec {
  usage: string;
  summary: string;
  /** Positional arguments: their names in help, and how many are required (at most positionals.length). */
  positionals?: string[];
  requiredPositionals?: number;
  options: Record<string, OptionSpec>;
  /** Extra lines after the options (environment, output). */
  notes?: string[];
  /** Training commands: the `python -m ssg_train` sub-command they run (options: OptionSpec.python). */
  pythonCommand?: string;
}

const modelOpt: OptionSpec = {
  type: 'string',
  value: 'DIR',
  help: 'model directory (holds manifest.json)',
  required: true,
};
const truncationOpt: OptionSpec = { type: 'string', value: 'PSI', help: 'truncation towards the mean latent (0..1)' };

export const COMMANDS: Record<string, CommandSpec> = {
  start: {
    usage: 'ssg start',
    summary: 'migrate, load the models, serve the API (and a worker unless SSG_WORKER=0)',
    options: {},
    notes: [
      'Configured by environment variables: DATABASE_URL, PORT, HOST, SSG_DATA_DIR, SSG_MODELS_DIR, SSG_WORKER, ...',
      'Serves models/ (the trained cartoon model), $SSG_MODELS_DIR, and with SSG_DEMO_MODEL=1 the untrained demo model.',
    ],
  },
  worker: {
    usage: 'ssg worker',
    summary: 'run a standalone inference worker',
    options: {},
    notes: ['Configured by DATABASE_URL, SSG_MODELS_DIR, SSG_WORKER_CONCURRENCY, SSG_EXECUTION_PROVIDERS.'],
  },
  migrate: {
    usage: 'ssg migrate',
    summary: 'apply database migrations (safe to run from several processes at once)',
    options: {},
  },
  'token create': {
    usage: 'ssg token create --workspace NAME [--name LABEL] [--expires-in DURATION] [--json]',
    summary: 'make a new API token for a workspace (created if needed); the token is the last line',
    options: {
      workspace: { type: 'string', value: 'NAME', help: 'workspace the token gives access to', required: true },
      name: { type: 'string', value: 'LABEL', help: 'label shown in `ssg token list`' },
      'expires-in': {
        type: 'string',
        value: 'DURATION',
        help: 'lifetime, a number and s, m, h, d or w, e.g. 30d (default: never expires)',
      },
      json: { type: 'boolean', help: 'print one JSON object (token, id, prefix, workspace, ...)' },
    },
  },
  'token list': {
    usage: 'ssg token list [--workspace NAME] [--json]',
    summary: 'list tokens: id, prefix, name, workspace, created, last used, expires, revoked',
    options: {
      workspace: { type: 'string', value: 'NAME', help: "only this workspace's tokens" },
      json: { type: 'boolean', help: 'print a JSON array' },
    },
    notes: ['Last use is recorded at most about once a minute per token.'],
  },
  'token revoke': {
    usage: 'ssg token revoke ID|PREFIX',
    summary: 'revoke a token; running servers refuse it from their next request',
    positionals: ['ID|PREFIX'],
    requiredPositionals: 1,
    options: {
      json: { type: 'boolean', help: 'print the revoked token as JSON' },
    },
  },
  'emit-schema': {
    usage: 'ssg emit-schema',
    summary: 'write schema/schema.graphql from the code',
    options: {},
  },
  'import-checkpoint': {
    usage: 'ssg import-checkpoint FILE.pt --out DIR [--name NAME]',
    summary: 'convert a released SemanticStyleGAN PyTorch checkpoint into a model directory',
    positionals: ['FILE.pt'],
    requiredPositionals: 1,
    options: {
      out: { type: 'string', value: 'DIR', help: 'model directory to write', required: true },
      name: { type: 'string', value: 'NAME', help: 'model name shown in the API' },
    },
  },
  'build-demo-model': {
    usage: 'ssg build-demo-model --out DIR',
    summary: 'write the seeded, untrained demo model',
    options: { out: { type: 'string', value: 'DIR', help: 'model directory to write', required: true } },
  },
  render: {
    usage: 'ssg render --model DIR --latent W.npy --out DIR [--truncation PSI] [--npy]',
    summary: 'render latents from a .npy file to image.png and segmentation.png',
    options: {
      model: modelOpt,
      latent: { type: 'string', value: 'W.npy', help: 'latents: W, W+ or a batch of them', required: true },
      out: { type: 'string', value: 'DIR', help: 'output directory', required: true },
      truncation: truncationOpt,
      npy: { type: 'boolean', help: 'also write the raw outputs as .npy' },
    },
  },
  sample: {
    usage: 'ssg sample --model DIR --seed N [--truncation PSI] --out W.npy',
    summary: 'sample a W+ latent from a seed',
    options: {
      model: modelOpt,
      seed: { type: 'string', value: 'N', help: 'integer seed', required: true },
      truncation: truncationOpt,
      out: { type: 'string', value: 'W.npy', help: 'file to write', required: true },
    },
  },
  bench: {
    usage: 'ssg bench --model DIR [--batch B] [--runs N] [--threads T]',
    summary: 'time model runs; the last line is JSON',
    options: {
      model: modelOpt,
      batch: { type: 'string', value: 'B', help: 'images per run (default 1)' },
      runs: { type: 'string', value: 'N', help: 'timed runs (default 5)' },
      threads: { type: 'string', value: 'T', help: 'onnxruntime intra-op threads' },
    },
  },
  'learn-directions': {
    usage: 'ssg learn-directions --model DIR [--samples N] [--seed S] [--truncation PSI] [--mixing face|rows] [--json]',
    summary: "learn attribute directions from the model's own renders; writes DIR/directions.json",
    options: {
      model: modelOpt,
      samples: { type: 'string', value: 'N', help: 'faces to sample, render and measure (default 2000)' },
      seed: { type: 'string', value: 'S', help: 'seed of the samples and of the held-out split (default 1)' },
      truncation: truncationOpt,
      mixing: {
        type: 'string',
        value: 'face|rows',
        help: 'samples with one w in every row (face, default) or one w per row (rows)',
      },
      json: { type: 'boolean', help: 'print one JSON object: every fit with its held-out score, and the file' },
    },
    notes: [
      'Writes DIR/directions.json (same-named directions replaced); servers load it into the database when they load the model.',
    ],
  },
  'import-direction': {
    usage: 'ssg import-direction --model DIR --npy FILE --name NAME --component C [--part SHAPE|TEXTURE|BOTH]',
    summary: 'add a direction from an .npy ([D], [1, D] or [n_latent, D]) to DIR/directions.json',
    options: {
      model: modelOpt,
      npy: { type: 'string', value: 'FILE', help: 'float32 .npy direction', required: true },
      name: { type: 'string', value: 'NAME', help: 'attribute name', required: true },
      component: { type: 'string', value: 'C', help: 'component whose rows it moves', required: true },
      part: { type: 'string', value: 'PART', help: 'SHAPE, TEXTURE or BOTH (default SHAPE)' },
    },
  },
  'make-dataset': {
    usage: 'ssg make-dataset --out DIR --count N --size S [--seed K] [--threads T]',
    summary: 'draw N cartoon faces (facesjs, seeded) with per-pixel part labels, for training',
    options: {
      out: {
        type: 'string',
        value: 'DIR',
        help: 'new directory: images/, labels/, params/, dataset.json, contact-sheet.png',
        required: true,
      },
      count: { type: 'string', value: 'N', help: 'number of faces', required: true },
      size: { type: 'string', value: 'S', help: 'side in pixels (16..1024)', required: true },
      seed: { type: 'string', value: 'K', help: 'dataset seed (default 1); the same seed gives the same files' },
      threads: { type: 'string', value: 'T', help: 'worker threads (default: one per core)' },
    },
  },
  'make-composites': {
    usage: 'ssg make-composites --data DIR --count N [--seed K] [--threads T]',
    summary: "draw exact part swaps (A with B's eyes, hair colour, ...) between a dataset's faces, for training",
    options: {
      data: { type: 'string', value: 'DIR', help: 'a make-dataset directory (with params/)', required: true },
      count: { type: 'string', value: 'N', help: 'number of composites', required: true },
      seed: { type: 'string', value: 'K', help: 'seed of the pairs, components and parts (default 1001)' },
      threads: { type: 'string', value: 'T', help: 'worker threads (default: one per core)' },
    },
  },
  train: {
    usage: 'ssg train --data DIR --out DIR [--size 64|32] [--mode recon|gan] [--kimg K] [--resume CKPT]',
    summary: 'train a SemanticStyleGAN generator on a make-dataset directory (PyTorch, Debian python3-torch)',
    pythonCommand: 'train',
    options: {
      data: { type: 'string', python: 'path', value: 'DIR', help: 'a make-dataset directory', required: true },
      out: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'run directory: latest.pt, sample sheets, train-log.jsonl',
        required: true,
      },
      size: { type: 'string', value: 'S', help: '64 (cartoon64, default) or 32 (tiny)' },
      preset: {
        type: 'string',
        value: 'NAME',
        help: 'cartoon64, cartoon64-parts (default of --mode parts), cartoon64-gan, tiny or tiny-parts (overrides --size)',
      },
      mode: {
        type: 'string',
        python: 'value',
        value: 'MODE',
        help: "recon (default: one learned code per image), parts (every W+ row coded from its part's facesjs parameters: the served model) or gan (the paper)",
      },
      'warm-start': {
        type: 'string',
        python: 'path',
        value: 'CKPT',
        help: 'parts mode: start the local and render nets from this training checkpoint',
      },
      kimg: { type: 'string', python: 'value', value: 'K', help: 'train until K thousand images have been seen' },
      batch: { type: 'string', python: 'value', value: 'B', help: 'batch size (default 16)' },
      lr: { type: 'string', python: 'value', value: 'LR', help: 'generator learning rate (default 2e-3)' },
      'code-lr': {
        type: 'string',
        python: 'value',
        value: 'LR',
        help: 'learning rate of the per-image codes (recon) or part codes (parts) (default 1e-2)',
      },
      resume: { type: 'string', python: 'path', value: 'CKPT', help: 'continue a run from its latest.pt' },
      'max-images': { type: 'string', python: 'value', value: 'N', help: 'use the first N images of the dataset' },
      bf16: { type: 'boolean', python: 'value', help: 'bfloat16 autocast (fast on CPUs with AVX-512 BF16)' },
      threads: { type: 'string', python: 'value', value: 'T', help: 'torch threads (default 2)' },
      seed: { type: 'string', python: 'value', value: 'N', help: 'random seed (default 0)' },
      'log-every': { type: 'string', python: 'value', value: 'STEPS', help: 'progress line every STEPS steps' },
      'sheet-every': { type: 'string', python: 'value', value: 'KIMG', help: 'sample sheet every KIMG' },
      'ckpt-every': { type: 'string', python: 'value', value: 'KIMG', help: 'checkpoint every KIMG' },
      'd-base': { type: 'string', python: 'value', value: 'C', help: 'discriminator width (gan mode)' },
    },
    notes: ['Ctrl-C stops after the current step and saves a resumable checkpoint.'],
  },
  finetune: {
    usage: 'ssg finetune --from CKPT --images DIR --out DIR [--kimg K] [--batch B] [--resume CKPT]',
    summary: 'fine-tune a checkpoint on images without masks (image-only discriminator)',
    pythonCommand: 'finetune',
    options: {
      from: { type: 'string', python: 'path', value: 'CKPT', help: 'checkpoint to start from', required: true },
      images: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'folder of PNG/JPEG images (or a dataset with images/)',
        required: true,
      },
      out: { type: 'string', python: 'path', value: 'DIR', help: 'run directory', required: true },
      kimg: { type: 'string', python: 'value', value: 'K', help: 'thousands of images to train on (default 20)' },
      batch: { type: 'string', python: 'value', value: 'B', help: 'batch size (default 8)' },
      resume: { type: 'string', python: 'path', value: 'CKPT', help: 'continue a fine-tuning run' },
      'max-images': { type: 'string', python: 'value', value: 'N', help: 'use the first N images' },
      bf16: { type: 'boolean', python: 'value', help: 'bfloat16 autocast' },
      threads: { type: 'string', python: 'value', value: 'T', help: 'torch threads' },
      seed: { type: 'string', python: 'value', value: 'N', help: 'random seed' },
      'log-every': { type: 'string', python: 'value', value: 'STEPS', help: 'progress line every STEPS steps' },
      'sheet-every': { type: 'string', python: 'value', value: 'KIMG', help: 'sample sheet every KIMG' },
      'ckpt-every': { type: 'string', python: 'value', value: 'KIMG', help: 'checkpoint every KIMG' },
      'd-base': { type: 'string', python: 'value', value: 'C', help: 'discriminator width' },
    },
  },
  'export-model': {
    usage: 'ssg export-model --from CKPT --out MODEL_DIR [--name NAME] [--description TEXT] [--ema] [--force]',
    summary: 'make a served model directory from a training checkpoint',
    pythonCommand: 'export',
    options: {
      from: { type: 'string', python: 'path', value: 'CKPT', help: 'training checkpoint (latest.pt)', required: true },
      out: { type: 'string', value: 'DIR', help: 'model directory to write', required: true },
      name: { type: 'string', value: 'NAME', help: 'display name' },
      description: {
        type: 'string',
        python: 'value',
        value: 'TEXT',
        help: 'how it was trained (default: from the checkpoint)',
      },
      ema: { type: 'boolean', python: 'value', help: 'export the EMA generator instead of the trained one' },
      force: { type: 'boolean', help: 'replace an existing model directory' },
      checkpoint: {
        type: 'string',
        value: 'FILE',
        help: 'also keep the model checkpoint (what ssg train-encoder --model-ckpt reads) at FILE',
      },
    },
    notes: ['A reconstruction-trained checkpoint gets a mapping fitted to its learned codes.'],
  },
  'train-encoder': {
    usage:
      'ssg train-encoder --model-ckpt MODEL.pt --out DIR [--data DIR] [--model-dir DIR] [--kimg K] [--iterations N] [--resume CKPT]',
    summary: "train an image -> W+ encoder (ReStyle iterations) for a model, to import designers' pictures as faces",
    pythonCommand: 'train-encoder',
    options: {
      'model-ckpt': {
        type: 'string',
        python: 'path',
        value: 'FILE',
        help: 'model checkpoint of the served model (ssg export-model --checkpoint FILE); on --resume: the one it was trained for',
      },
      out: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'run directory: latest.pt, sheets, train-log.jsonl',
        required: true,
      },
      data: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'a make-dataset directory whose images and masks join the generated pairs',
      },
      'model-dir': {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: "served model directory: inversions start at its manifest's w_avg",
      },
      kimg: {
        type: 'string',
        python: 'value',
        value: 'K',
        help: 'train until K thousand target images have been seen (default 50)',
      },
      iterations: {
        type: 'string',
        python: 'value',
        value: 'N',
        help: 'ReStyle iterations per image, in training and by default at inversion (4)',
      },
      batch: { type: 'string', python: 'value', value: 'B', help: 'batch size (default 8)' },
      'real-share': {
        type: 'string',
        python: 'value',
        value: 'F',
        help: 'share of each batch from --data (default 0.5)',
      },
      'extra-data': {
        type: 'string',
        python: 'paths',
        value: 'DIRS',
        help: 'part-coded models: more make-dataset directories (comma-separated) whose faces and swaps it learns from',
      },
      heldout: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'part-coded models: a make-dataset directory it measures its recognition of parameters on',
      },
      lr: { type: 'string', python: 'value', value: 'LR', help: 'learning rate (default 5e-4)' },
      'feature-steps': {
        type: 'string',
        python: 'value',
        value: 'N',
        help: 'training steps of the perceptual feature net (0: none)',
      },
      resume: { type: 'string', python: 'path', value: 'CKPT', help: 'continue a run from its latest.pt' },
      'max-images': { type: 'string', python: 'value', value: 'N', help: 'use the first N images of --data' },
      bf16: { type: 'boolean', python: 'value', help: 'bfloat16 autocast' },
      threads: { type: 'string', python: 'value', value: 'T', help: 'torch threads (default 2)' },
      seed: { type: 'string', python: 'value', value: 'N', help: 'random seed (default 0)' },
      'log-every': { type: 'string', python: 'value', value: 'STEPS', help: 'progress line every STEPS steps' },
      'sheet-every': { type: 'string', python: 'value', value: 'KIMG', help: 'inversion sheet every KIMG' },
      'ckpt-every': { type: 'string', python: 'value', value: 'KIMG', help: 'checkpoint every KIMG (default 0.5)' },
    },
    notes: ['Ctrl-C stops after the current step and saves a resumable checkpoint.'],
  },
  'export-encoder': {
    usage: 'ssg export-encoder --from CKPT --out MODEL_DIR [--heldout DIR] [--images N] [--sheet FILE.png]',
    summary: 'write encoder.onnx + encoder.json into a model directory; with --heldout, its PSNR and mask IoU',
    pythonCommand: 'export-encoder',
    options: {
      from: {
        type: 'string',
        python: 'path',
        value: 'CKPT',
        help: 'encoder checkpoint (train-encoder latest.pt)',
        required: true,
      },
      out: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'the model directory it inverts for (holds manifest.json)',
        required: true,
      },
      heldout: {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: 'a make-dataset directory the model never saw: figures per iteration',
      },
      images: { type: 'string', python: 'value', value: 'N', help: 'held-out images to evaluate on (default 500)' },
      sheet: {
        type: 'string',
        python: 'path',
        value: 'FILE',
        help: 'PNG: targets, true masks, inversion per iteration, inverted masks',
      },
      'check-dir': {
        type: 'string',
        python: 'path',
        value: 'DIR',
        help: "write inputs and PyTorch's output as .npy (parity checks)",
      },
      threads: { type: 'string', python: 'value', value: 'T', help: 'torch threads (default 2)' },
    },
    notes: ['The file contract (inputs, outputs, encoder.json) is in docs/model/encoder.md.'],
  },
};

/** Commands with sub-commands (`ssg token create`). */
export const GROUPS: Record<string, string[]> = {
  token: ['token create', 'token list', 'token revoke'],
};

export function overview(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n].summary}`);
  return `usage: ssg <command> [options]\n\n${lines.join('\n')}\n\nssg <command> --help (or ssg help <command>) shows a command's options.\n`;
}

export function commandHelp(name: string): string {
  const spec = COMMANDS[name];
  const opts = Object.entries(spec.options).map(([flag, o]) => {
    const left = `--${flag}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [left, `${o.help}${o.required ? ' (required)' : ''}`];
  });
  opts.push(['-h, --help', 'show this help']);
  const width = Math.max(...opts.map(([l]) => l.length)) + 2;
  const body = opts.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join('\n');
  const notes = spec.notes?.length ? `\n\n${spec.notes.join('\n')}` : '';
  return `usage: ${spec.usage}\n\n${spec.summary}\n\noptions:\n${body}${notes}\n`;
}

export function groupHelp(group: string): string {
  const subs = GROUPS[group];
  const width = Math.max(...subs.map((n) => n.length)) + 2;
  return `usage: ssg ${group} <${subs.map((s) => s.split(' ')[1]).join('|')}> [options]\n\n${subs
    .map((s) => `  ${s.padEnd(width)}${COMMANDS[s].summary}`)
    .join('\n')}\n\nssg ${group} <sub-command> --help shows its options.\n`;
}
