// ModelRuntime: loads a model directory (mapping and generator sessions on the chosen provider,
// session.ts) and renders it, in chunks that suit the provider; concurrent single renders are
// batched by render-batcher.ts and turned into PNGs by render-png.ts.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { type Manifest, graphFilesFault, modelId, readManifest } from './manifest.ts';
import { LatentError, assertFinite, broadcastW, checkRenderInput, truncate } from './latent.ts';
import { sampleZ } from './rng.ts';
import {
  type SessionSettings,
  createFirstSession,
  createGeneratorSession,
  sessionOptions,
  usableProviders,
} from './session.ts';
import type { ModelInfo, RenderQuality, RenderRequest, RenderResult } from './types.ts';
import { previewGraph } from './preview-graph.ts';
import type { RawOutputs } from './raw-outputs.ts';
import { RenderBatcher } from './render-batcher.ts';
import { encodeImagePng, encodeRenderResult } from './render-png.ts';
import { modelFile } from './model-files.ts';

export type { RawOutputs } from './raw-outputs.ts';

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface RuntimeOptions {
  /** Execution providers in preference order, e.g. ['cuda', 'cpu'] (Config.executionProviders). Default ['cpu']. */
  executionProviders?: string[];
  /**
   * When none of executionProviders is installed: true refuses to load (ModelLoadError), false
   * (default) runs on cpu after one warning per process (Config.executionProvidersStrict).
   */
  strictProviders?: boolean;
  /** Where the loud messages go (the cpu fallback warning); default `log`. */
  warn?: (msg: string, fields?: object) => void;
  /**
   * true: the generator session is created on the first render instead of in load(), for processes
   * that only sample (mapping) and read model info, e.g. an API without a worker. Default false.
   */
  lazyGenerator?: boolean;
  /** Most latents per session.run (default 8). */
  maxBatch?: number;
  /** How long the first queued request waits for company (default 3 ms). */
  batchWindowMs?: number;
  /** ORT intra-op threads (default: ORT's choice, i.e. the physical cores). */
  intraOpThreads?: number;
  log?: (msg: string, fields?: object) => void;
  /** Called after every generator run with the batch size and the run's wall time. */
  onBatch?: (size: number, ms: number) => void;
  /** false: ORT's worker threads sleep between runs instead of spinning (default: ORT's, spinning). */
  allowSpinning?: boolean;
  /** Skip the sha256 check of the graph files (they are still parsed). Default false. */
  skipHashCheck?: boolean;
  /**
   * On the CPU provider, fuse each render-net conv with its noise add and LeakyRelu at load time
   * (cpu-fusion.ts; same arithmetic, 5-10% faster at 256-512 px). Default true.
   */
  cpuFusion?: boolean;
  /**
   * Most output pixels (batch * size^2) one generator run computes; bigger renders are split into
   * consecutive runs. On the CPU provider ORT's layout and copy kernels slow down sharply once the
   * activations pass a few hundred MB (512 px: ~830 ms/image at batch 2-4, ~1300 at batch 8), so
   * the default there is 2^20 (4 images at 512 px, 16 at 256 px); other providers: no limit.
   */
  maxPixelsPerRun?: number;
}

export interface RuntimeStats {
  batches: number;
  images: number;
  runMs: number;
  lastBatchSize: number;
}

export class ModelRuntime {
  readonly stats: RuntimeStats = { batches: 0, images: 0, runMs: 0, lastBatchSize: 0 };
  private readonly batcher: RenderBatcher;
  private closed = false;
  private generatorSession: Promise<ort.InferenceSession> | undefined;
  /** Set once the generator session exists (see ensureGenerator). */
  private generator: ort.InferenceSession | undefined;
  /** The PREVIEW graph's session (preview-graph.ts), created on the first preview. */
  private previewSession: Promise<{ session: ort.InferenceSession; side: number }> | undefined;

  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    readonly info: ModelInfo,
    readonly wAvg: Float32Array,
    readonly executionProvider: string,
    private readonly mapping: ort.InferenceSession,
    private readonly opts: RuntimeOptions,
  ) {
    this.batcher = new RenderBatcher((l, rows, masks, quality) => this.run(l, rows, masks, quality), {
      maxBatch: opts.maxBatch,
      windowMs: opts.batchWindowMs,
    });
  }

  static async load(dir: string, opts: RuntimeOptions = {}): Promise<ModelRuntime> {
    const log = opts.log ?? (() => {});
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      throw new ModelLoadError(`model directory ${dir} does not exist`);
    let man: Manifest;
    try {
      man = readManifest(dir);
    } catch (e) {
      throw new ModelLoadError((e as Error).message);
    }
    const fault = graphFilesFault(dir, man, { checkHashes: !opts.skipHashCheck });
    if (fault) throw new ModelLoadError(fault);
    const settings: SessionSettings = { ...opts, log };
    let providers: string[];
    try {
      providers = usableProviders(
        opts.executionProviders ?? ['cpu'],
        opts.strictProviders ?? false,
        log,
        opts.warn ?? log,
      );
    } catch (e) {
      throw new ModelLoadError((e as Error).message);
    }
    // The mapping session (small) settles the provider; the generator follows it when first needed.
    const mappingFile = modelFile(dir, 'mapping');
    const created = await createFirstSession(
      providers.includes('cpu') || opts.strictProviders ? providers : [...providers, 'cpu'],
      (ep) => ort.InferenceSession.create(mappingFile, sessionOptions(ep, settings)),
      log,
    );
    if (!created) throw new ModelLoadError(`cannot load mapping.onnx in ${dir} (providers ${providers.join(', ')})`);
    const cfg = man.config,
      lay = man.layout;
    const info: ModelInfo = {
      id: modelId(man),
      name: man.name,
      resolution: cfg.size,
      untrained: man.untrained,
      config: cfg,
      layout: { nLatent: lay.nLatent, dim: lay.dim, baseLayers: lay.baseLayers, numComponents: lay.numComponents },
      components: man.components,
    };
    const rt = new ModelRuntime(dir, man, info, Float32Array.from(man.w_avg), created.provider, created.session, opts);
    if (!opts.lazyGenerator) {
      try {
        await rt.ensureGenerator();
      } catch (e) {
        await created.session.release();
        throw e;
      }
    }
    return rt;
  }

  /**
   * The generator session, created on first use (an API-only process that never renders does not
   * pay for it); a failure is kept and answered to every later render.
   */
  ensureGenerator(): Promise<ort.InferenceSession> {
    this.generatorSession ??= createGeneratorSession(modelFile(this.dir, 'generator'), this.executionProvider, {
      ...this.opts,
      log: this.opts.log ?? (() => {}),
    }).then(
      (session) => (this.generator = session),
      (e: unknown) => {
        throw new ModelLoadError(`cannot load generator.onnx in ${this.dir}: ${(e as Error).message}`);
      },
    );
    return this.generatorSession;
  }

  /**
   * The PREVIEW session: generator.onnx cut at a lower render-net level (preview-graph.ts), built
   * from the file on first use (~ tens of ms); a failure is kept like the generator's.
   */
  ensurePreview(): Promise<{ session: ort.InferenceSession; side: number }> {
    this.previewSession ??= (async () => {
      const cut = previewGraph(fs.readFileSync(modelFile(this.dir, 'generator')), this.info.config);
      const session = await createGeneratorSession(cut.bytes, this.executionProvider, {
        ...this.opts,
        log: this.opts.log ?? (() => {}),
      });
      return { session, side: cut.side };
    })().catch((e: unknown) => {
      throw new ModelLoadError(`cannot build the preview graph of ${this.dir}: ${(e as Error).message}`);
    });
    return this.previewSession;
  }

  /** Rows per latent accepted besides n_latent: the expanded K * local_layers. */
  get expandedRows(): number {
    return this.info.config.seg_dim * this.info.config.local_layers;
  }

  /** mapping(z) for the seeded z (see rng.ts), optionally truncated toward w_avg. */
  async sampleW(seed: number, truncation?: number): Promise<Float32Array> {
    const D = this.info.layout.dim;
    if (!Number.isFinite(seed)) throw new LatentError(`seed must be finite (got ${seed})`);
    if (truncation !== undefined && !Number.isFinite(truncation))
      throw new LatentError(`truncation must be finite (got ${truncation})`);
    const z = sampleZ(seed, D);
    const out = await this.mapping.run({ z: new ort.Tensor('float32', z, [1, D]) });
    let w: Float32Array = Float32Array.from(out.w.data as Float32Array);
    if (truncation !== undefined) w = truncate(w, this.wAvg, truncation);
    return w;
  }

  /** mapping(z) for n z's at once (`z` is [n * D]); returns [n * D]. For bulk sampling (directions). */
  async mapZ(z: Float32Array, n: number): Promise<Float32Array> {
    const D = this.info.layout.dim;
    if (z.length !== n * D) throw new LatentError(`mapZ: ${z.length} values for ${n} x ${D}`);
    assertFinite(z, 'z');
    const out = await this.mapping.run({ z: new ort.Tensor('float32', z, [n, D]) });
    return Float32Array.from(out.w.data as Float32Array);
  }

  /** W+ [n_latent * D] with every row = mapping(z(seed)), truncated when psi is given. */
  async sample(seed: number, truncation?: number): Promise<Float32Array> {
    return broadcastW(this.info.layout, await this.sampleW(seed, truncation));
  }

  private checkInput(
    latent: Float32Array,
    mask: ArrayLike<number> | undefined,
    i: number,
  ): { rows: number; mask: Float32Array } {
    return checkRenderInput(this.info.layout, this.expandedRows, latent, mask, i);
  }

  /** Renders latents (W+ or expanded rows, all the same kind) in one run; raw float outputs. */
  async renderRaw(
    latents: Float32Array[],
    masks?: Array<ArrayLike<number> | undefined>,
    quality: RenderQuality = 'FULL',
  ): Promise<RawOutputs> {
    if (latents.length === 0) throw new LatentError('renderRaw needs at least one latent');
    const checked = latents.map((l, i) => this.checkInput(l, masks?.[i], i));
    if (checked.some((c) => c.rows !== checked[0].rows))
      throw new LatentError('latents of one renderRaw call must all be W+ or all expanded');
    return this.run(
      latents,
      checked[0].rows,
      checked.map((c) => c.mask),
      quality,
    );
  }

  private async run(
    latents: Float32Array[],
    rows: number,
    masks: Float32Array[],
    quality: RenderQuality,
  ): Promise<RawOutputs> {
    if (this.closed) throw new Error('model runtime is closed');
    const { dim: D, numComponents: K } = this.info.layout;
    const B = latents.length;
    const lat = new Float32Array(B * rows * D);
    latents.forEach((l, i) => lat.set(l, i * rows * D));
    const cm = new Float32Array(B * K);
    masks.forEach((m, i) => cm.set(m, i * K));
    const t0 = performance.now();
    const preview = quality === 'PREVIEW' ? await this.ensurePreview() : undefined;
    const H = preview?.side ?? this.info.config.size,
      S = this.info.config.coarse_size;
    const maxPixels = this.opts.maxPixelsPerRun ?? (this.executionProvider === 'cpu' ? 2 ** 20 : Infinity);
    const chunk = Math.max(1, Math.min(B, Math.floor(maxPixels / (H * H))));
    const keys = ['image', 'segmentation', 'coarse', 'depth'] as const;
    const generator = preview?.session ?? this.generator ?? (await this.ensureGenerator());
    const runOnce = async (b0: number, n: number) => {
      const out = await generator.run({
        latent: new ort.Tensor('float32', lat.subarray(b0 * rows * D, (b0 + n) * rows * D), [n, rows, D]),
        composition_mask: new ort.Tensor('float32', cm.subarray(b0 * K, (b0 + n) * K), [n, K]),
      });
      return Object.fromEntries(keys.map((k) => [k, out[k].data as Float32Array])) as Record<
        (typeof keys)[number],
        Float32Array
      >;
    };
    let res: Record<(typeof keys)[number], Float32Array>;
    if (chunk >= B) res = await runOnce(0, B);
    else {
      const per = { image: 3 * H * H, segmentation: K * H * H, coarse: K * S * S, depth: K * S * S };
      res = {
        image: new Float32Array(B * per.image),
        segmentation: new Float32Array(B * per.segmentation),
        coarse: new Float32Array(B * per.coarse),
        depth: new Float32Array(B * per.depth),
      };
      for (let b0 = 0; b0 < B; b0 += chunk) {
        const part = await runOnce(b0, Math.min(chunk, B - b0));
        for (const k of keys) res[k].set(part[k], b0 * per[k]);
      }
    }
    const ms = performance.now() - t0;
    this.stats.batches++;
    this.stats.images += B;
    this.stats.runMs += ms;
    this.stats.lastBatchSize = B;
    try {
      this.opts.onBatch?.(B, ms);
    } catch {
      // observer errors never fail a render
    }
    return {
      batch: B,
      size: H,
      numComponents: K,
      coarseSize: this.info.config.coarse_size,
      ...res,
    };
  }

  /** Raw outputs for one latent, batched with concurrent callers (of the same quality). */
  renderOneRaw(
    latent: Float32Array,
    compositionMask?: ArrayLike<number>,
    quality: RenderQuality = 'FULL',
  ): Promise<RawOutputs> {
    let c: { rows: number; mask: Float32Array };
    try {
      c = this.checkInput(latent, compositionMask, 0);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.batcher.submit({ latent, rows: c.rows, quality, mask: c.mask });
  }

  async render(req: RenderRequest): Promise<RenderResult> {
    const raw = await this.renderOneRaw(req.latent, req.compositionMask, req.quality ?? 'FULL');
    return this.encodeResult(raw, 0);
  }

  /**
   * The image PNG alone, for a picture shown and never stored (previewEdit): the segmentation and
   * depth PNGs of encodeResult would be synchronous work on the API's event loop for nothing.
   */
  async renderImage(req: RenderRequest): Promise<{ width: number; height: number; imagePng: Buffer }> {
    return encodeImagePng(await this.renderOneRaw(req.latent, req.compositionMask, req.quality ?? 'FULL'), 0);
  }

  /** PNGs etc. for sample i of a raw output. */
  encodeResult(raw: RawOutputs, i: number): RenderResult {
    return encodeRenderResult(
      raw,
      i,
      this.info.components.map((c) => c.color),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batcher.close();
    const generator = await this.generatorSession?.catch(() => undefined);
    await generator?.release();
    const preview = await this.previewSession?.catch(() => undefined);
    await preview?.session.release();
    await this.mapping.release();
  }
}
