// Reads a PyTorch checkpoint (torch.save zip) in TypeScript and imports it into a model dir.
import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { NameRegistry, Parser } from 'pickleparser';
import {
  type ConfigWithWidths,
  DEFAULT_CONFIG,
  type Tensor,
  type WeightMap,
  componentsFor,
  validateConfig,
} from './config.ts';
import { validateWeights } from './graph.ts';
import { type Manifest, writeModelDir } from './model-dir.ts';
import type { GeneratorConfig, ModelComponent } from './types.ts';
import { modelFile } from './model-files.ts';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

interface LazyTensor {
  __lazyTensor: true;
  storage: { dtype: string; key: string; numel: number };
  offset: number;
  size: number[];
  stride: number[];
}

const STORAGE_TYPES: Record<string, string> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

export interface TorchCheckpoint {
  /** Top-level keys of the pickled dict. */
  keys: string[];
  get(key: string): unknown;
  /** Materialises a (possibly nested) state dict of tensors. */
  stateDict(key: string): WeightMap;
}

/** Parses the zip and data.pkl; tensors are read lazily from the zip's data/ entries. */
export function readTorchCheckpoint(file: string): TorchCheckpoint {
  let zip: AdmZip;
  try {
    zip = new AdmZip(file);
  } catch (e) {
    throw new CheckpointError(`${file} is not a PyTorch zip checkpoint: ${(e as Error).message}`);
  }
  let entries: AdmZip.IZipEntry[];
  try {
    entries = zip.getEntries();
  } catch (e) {
    throw new CheckpointError(`${file}: corrupt zip: ${(e as Error).message}`);
  }
  const pklEntries = entries
    .filter((e) => e.entryName.endsWith('data.pkl'))
    .sort((a, b) => a.entryName.length - b.entryName.length);
  const pkl = pklEntries[0];
  if (!pkl)
    throw new CheckpointError(`${file}: no data.pkl inside (legacy non-zip torch.save files are not supported)`);
  const prefix = pkl.entryName.slice(0, -'data.pkl'.length);
  const byName = new Map(entries.map((e) => [e.entryName, e]));

  const reg = new NameRegistry();
  const rebuild = (storage: LazyTensor['storage'], offset: number, size: number[], stride: number[]): LazyTensor => ({
    __lazyTensor: true,
    storage,
    offset,
    size: [...size],
    stride: [...stride],
  });
  reg.register('torch._utils', '_rebuild_tensor_v2', rebuild);
  reg.register('torch._utils', '_rebuild_tensor', rebuild);
  reg.register('torch._utils', '_rebuild_parameter', (data: unknown) => data);
  reg.register('torch._utils', '_rebuild_parameter_with_state', (data: unknown) => data);
  for (const [nm, dtype] of Object.entries(STORAGE_TYPES)) {
    const f = function () {
      return { dtype };
    } as unknown as (...a: unknown[]) => unknown;
    (f as unknown as { __dtype: string }).__dtype = dtype;
    reg.register('torch', nm, f);
  }
  reg.register('collections', 'OrderedDict', function OrderedDict() {
    return new Map();
  } as unknown as () => unknown);
  reg.register('argparse', 'Namespace', function Namespace() {} as unknown as () => unknown);
  reg.register('torch', 'Size', (a: number[]) => a);
  const parser = new Parser({
    nameResolver: {
      resolve(module: string, name: string) {
        try {
          return reg.resolve(module, name);
        } catch {
          // Unknown classes (optimiser state, etc.) become inert placeholders.
          return function Unknown() {
            return { __unknown: `${module}.${name}` };
          } as unknown as () => unknown;
        }
      },
    },
    persistentResolver: {
      resolve(pid: unknown) {
        const p = pid as unknown[];
        if (!Array.isArray(p) || p[0] !== 'storage')
          throw new CheckpointError(`${file}: unsupported persistent id ${JSON.stringify(pid)}`);
        const ty = p[1] as { __dtype?: string } | undefined;
        const dtype = (ty && (ty as { __dtype?: string }).__dtype) ?? 'unknown';
        return { dtype, key: String(p[2]), numel: Number(p[4]) };
      },
    },
    unpicklingTypeOfDictionary: 'Map',
  });
  let root: unknown;
  try {
    root = parser.parse(pkl.getData());
  } catch (e) {
    throw new CheckpointError(`${file}: cannot unpickle data.pkl: ${(e as Error).message}`);
  }
  if (!(root instanceof Map)) throw new CheckpointError(`${file}: top-level object is not a dict`);
  const storageCache = new Map<string, Buffer>();
  const readStorage = (key: string): Buffer => {
    let b = storageCache.get(key);
    if (!b) {
      const e = byName.get(`${prefix}data/${key}`);
      if (!e) throw new CheckpointError(`${file}: storage data/${key} missing from the zip`);
      try {
        b = e.getData();
      } catch (err) {
        throw new CheckpointError(`${file}: storage data/${key} unreadable: ${(err as Error).message}`);
      }
      storageCache.set(key, b);
    }
    return b;
  };
  return {
    keys: [...root.keys()].map(String),
    get: (k) => root.get(k),
    stateDict(key: string): WeightMap {
      const sd = root.get(key);
      if (!(sd instanceof Map)) throw new CheckpointError(`${file}: checkpoint has no '${key}' state dict`);
      const out: WeightMap = new Map();
      for (const [name, v] of sd) {
        if (!v || typeof v !== 'object' || !(v as LazyTensor).__lazyTensor) continue;
        out.set(String(name), materialise(v as LazyTensor, readStorage, `${key}.${String(name)}`));
      }
      return out;
    },
  };
}

function materialise(t: LazyTensor, read: (key: string) => Buffer, name: string): Tensor {
  const n = t.size.reduce((a, b) => a * b, 1);
  const raw = read(t.storage.key);
  const elSize: Record<string, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2 };
  const es = elSize[t.storage.dtype];
  if (!es) throw new CheckpointError(`tensor ${name} has unsupported dtype ${t.storage.dtype}`);
  const numel = Math.floor(raw.length / es);
  const get = (i: number): number => {
    if (i >= numel) throw new CheckpointError(`tensor ${name}: storage too short (corrupt checkpoint)`);
    switch (t.storage.dtype) {
      case 'float32':
        return raw.readFloatLE(i * 4);
      case 'float64':
        return raw.readDoubleLE(i * 8);
      case 'float16':
        return half(raw.readUInt16LE(i * 2));
      default: {
        const b = Buffer.alloc(4);
        b.writeUInt16LE(raw.readUInt16LE(i * 2), 2);
        return b.readFloatLE(0);
      }
    }
  };
  const data = new Float32Array(n);
  const nd = t.size.length;
  const contiguous = (() => {
    let s = 1;
    for (let d = nd - 1; d >= 0; d--) {
      if (t.size[d] !== 1 && t.stride[d] !== s) return false;
      s *= t.size[d];
    }
    return true;
  })();
  if (contiguous && t.storage.dtype === 'float32') {
    if ((t.offset + n) * 4 > raw.length)
      throw new CheckpointError(`tensor ${name}: storage too short (corrupt checkpoint)`);
    const copy = Buffer.from(raw.subarray(t.offset * 4, (t.offset + n) * 4));
    data.set(new Float32Array(copy.buffer, copy.byteOffset, n));
  } else {
    const idx = new Array(nd).fill(0);
    for (let i = 0; i < n; i++) {
      let off = t.offset;
      for (let d = 0; d < nd; d++) off += idx[d] * t.stride[d];
      data[i] = get(off);
      for (let d = nd - 1; d >= 0; d--) {
        if (++idx[d] < t.size[d]) break;
        idx[d] = 0;
      }
    }
  }
  return { shape: [...t.size], data };
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * The authors' train.py defaults for fields a checkpoint's args lack. They differ from the released
 * CelebA config (DEFAULT_CONFIG) in residual_refine: a store_true flag, so absent means off.
 */
export const TRAIN_DEFAULTS: GeneratorConfig = { ...DEFAULT_CONFIG, residual_refine: false };

/** What a checkpoint's args say: the config, the fields taken from TRAIN_DEFAULTS, the class list. */
export interface CheckpointArgs {
  config: ConfigWithWidths;
  /** Config fields the args lack, filled from TRAIN_DEFAULTS (in config order). */
  defaulted: string[];
  /** From args.class_names / class_colors / transparent_dims; undefined: componentsFor(config). */
  components?: ModelComponent[];
  /** args.model_description */
  description?: string;
}

/** args as saved: an argparse.Namespace (an object with attributes) or a dict (vars(args), a Map here). */
function argsRecord(args: unknown): Record<string, unknown> {
  if (args instanceof Map) return Object.fromEntries([...args].map(([k, v]) => [String(k), v]));
  if (args && typeof args === 'object') return args as Record<string, unknown>;
  return {};
}

const plain = (v: unknown): unknown => (v instanceof Map ? Object.fromEntries(v) : v);

/** Generator config, defaulted fields and class list from a checkpoint's args (spec §1). */
export function readCheckpointArgs(args: unknown): CheckpointArgs {
  const a = argsRecord(args);
  const cfg: ConfigWithWidths = { ...TRAIN_DEFAULTS, transparent_dims: [...TRAIN_DEFAULTS.transparent_dims] };
  const defaulted: string[] = [];
  for (const key of Object.keys(TRAIN_DEFAULTS) as Array<keyof GeneratorConfig>) {
    const v = a[key];
    if (v === undefined || v === null) {
      defaulted.push(key);
      continue;
    }
    if (key === 'transparent_dims') {
      if (!Array.isArray(v)) throw new CheckpointError(`args.transparent_dims is not a sequence`);
      cfg.transparent_dims = v.map(Number);
    } else if (key === 'residual_refine') {
      cfg.residual_refine = Boolean(v);
    } else {
      if (typeof v !== 'number') throw new CheckpointError(`args.${key} is not a number (${String(v)})`);
      (cfg as unknown as Record<string, number>)[key] = v;
    }
  }
  const widths = plain(a.widths);
  if (widths && typeof widths === 'object')
    cfg.widths = Object.fromEntries(Object.entries(widths).map(([k, v]) => [String(k), Number(v)]));
  const description = a.model_description;
  if (description !== undefined && description !== null && typeof description !== 'string')
    throw new CheckpointError('args.model_description is not a string');
  return {
    config: cfg,
    defaulted,
    components: classList(cfg, a.class_names, a.class_colors),
    ...(typeof description === 'string' ? { description } : {}),
  };
}

/** args.class_names (K strings) and the optional args.class_colors (K [r, g, b]). */
function classList(cfg: GeneratorConfig, names: unknown, colors: unknown): ModelComponent[] | undefined {
  if (names === undefined || names === null) {
    if (colors !== undefined && colors !== null) throw new CheckpointError('args.class_colors needs args.class_names');
    return undefined;
  }
  const K = cfg.seg_dim;
  if (!Array.isArray(names) || names.length !== K || !names.every((n) => typeof n === 'string' && n !== ''))
    throw new CheckpointError(`args.class_names must be ${K} non-empty strings (seg_dim ${K})`);
  if (new Set(names).size !== K) throw new CheckpointError('args.class_names has duplicates');
  const isRgb = (c: unknown) =>
    Array.isArray(c) && c.length === 3 && c.every((x) => Number.isInteger(x) && x >= 0 && x <= 255);
  if (
    colors !== undefined &&
    colors !== null &&
    (!Array.isArray(colors) || colors.length !== K || !colors.every(isRgb))
  )
    throw new CheckpointError(`args.class_colors must be ${K} [r, g, b] lists of integers 0..255`);
  const fallback = componentsFor({ ...cfg, seg_dim: K });
  return names.map((name: string, k) => ({
    index: k,
    name,
    transparent: cfg.transparent_dims.includes(k),
    color: Array.isArray(colors) ? ([...(colors[k] as number[])] as [number, number, number]) : fallback[k].color,
  }));
}

/** Generator config from a checkpoint's args (see readCheckpointArgs). */
export function configFromArgs(args: unknown): ConfigWithWidths {
  return readCheckpointArgs(args).config;
}

export async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  await new Promise<void>((res, rej) => {
    fs.createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => res())
      .on('error', rej);
  });
  return h.digest('hex');
}

export interface ImportOptions {
  /** Display name (default: the file name without .pt). */
  name?: string;
  /** Replace a model already in outDir. */
  force?: boolean;
}

export interface ImportResult {
  manifest: Manifest;
  /** Config fields the checkpoint's args lack, taken from the authors' train.py defaults. */
  defaulted: Array<{ field: string; value: unknown }>;
}

/** Imports a checkpoint's g_ema + args into a model directory. */
export async function importCheckpoint(file: string, outDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  if (!fs.existsSync(file)) throw new CheckpointError(`checkpoint ${file} does not exist`);
  if (!opts.force && fs.existsSync(modelFile(outDir, 'manifest')))
    throw new CheckpointError(`${outDir} already holds a model; pass --force (force: true) to replace it`);
  const ck = readTorchCheckpoint(file);
  if (!ck.keys.includes('g_ema'))
    throw new CheckpointError(`${file}: no 'g_ema' in checkpoint (keys: ${ck.keys.join(', ')})`);
  const args = readCheckpointArgs(ck.get('args'));
  const cfg = args.config;
  try {
    validateConfig(cfg);
  } catch (e) {
    throw new CheckpointError(`${file}: unusable args: ${(e as Error).message}`);
  }
  const weights = ck.stateDict('g_ema');
  try {
    validateWeights(cfg, weights);
  } catch (e) {
    throw new CheckpointError(`${file}: ${(e as Error).message}`);
  }
  const sha = await sha256File(file);
  const manifest = await writeModelDir(outDir, {
    name: opts.name ?? path.basename(file).replace(/\.pt$/, ''),
    config: cfg,
    weights,
    untrained: false,
    components: args.components,
    source: {
      kind: 'checkpoint',
      file: path.basename(file),
      sha256: sha,
      ...(args.description !== undefined ? { description: args.description } : {}),
      ...(args.defaulted.length ? { defaulted: args.defaulted } : {}),
    },
  });
  const defaulted = args.defaulted.map((field) => ({ field, value: cfg[field as keyof GeneratorConfig] }));
  return { manifest, defaulted };
}
