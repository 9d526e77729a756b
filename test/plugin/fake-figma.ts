// A small in-memory stand-in for the parts of Figma's plugin API that plugins/figma/src/code.ts
// uses. It runs in Node (code.test.ts) and, bundled by esbuild, in the browser harness
// (ui.browser.test.ts), so it must not import anything from Node.
//
// It checks what Figma checks where a mistake would otherwise pass silently: image fills need a
// hash from createImage, createImage takes PNG/JPEG up to 4096 px, plugin data values are
// strings up to 100 kB, and getNodeById (sync) is refused under documentAccess "dynamic-page".

export type Paint = { type: string; imageHash?: string | null; scaleMode?: string; [k: string]: unknown };
type Listener = () => void;

const MAX_PLUGIN_DATA = 100_000;

export class FakeNode {
  parent: FakeNode | null = null;
  children: FakeNode[] = [];
  name: string;
  x = 0;
  y = 0;
  width = 100;
  height = 100;
  opacity = 1;
  visible = true;
  locked = false;
  clipsContent = false;
  constraints = { horizontal: 'MIN', vertical: 'MIN' };
  removed = false;
  private _fills: readonly Paint[] = [];
  private readonly pluginData = new Map<string, string>();

  constructor(
    readonly world: FakeWorld,
    readonly id: string,
    readonly type: string,
    name: string,
  ) {
    this.name = name;
  }

  get fills(): readonly Paint[] {
    return this._fills;
  }
  set fills(value: readonly Paint[]) {
    if (!Array.isArray(value)) throw new TypeError('fills must be an array');
    for (const p of value) {
      if (p.type === 'IMAGE' && (typeof p.imageHash !== 'string' || !this.world.images.has(p.imageHash))) {
        throw new Error(`Image fill with unknown imageHash ${String(p.imageHash)}`);
      }
    }
    this._fills = Object.freeze(value.map((p) => Object.freeze({ ...p })));
  }

  resize(w: number, h: number): void {
    if (!(w >= 0.01 && h >= 0.01)) throw new Error(`resize(${w}, ${h}): sizes must be >= 0.01`);
    this.width = w;
    this.height = h;
  }

  appendChild(child: FakeNode): void {
    if (this.type !== 'FRAME' && this.type !== 'PAGE' && this.type !== 'GROUP') {
      throw new Error(`${this.type} cannot have children`);
    }
    child.parent?.children.splice(child.parent.children.indexOf(child), 1);
    child.parent = this;
    this.children.push(child);
  }

  /** Every descendant that `pred` accepts, in document order (Figma's findAll). */
  findAll(pred: (n: FakeNode) => boolean): FakeNode[] {
    const out: FakeNode[] = [];
    const walk = (n: FakeNode) =>
      n.children.forEach((c) => {
        if (pred(c)) out.push(c);
        walk(c);
      });
    walk(this);
    return out;
  }

  remove(): void {
    this.parent?.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
    const drop = (n: FakeNode) => {
      n.removed = true;
      n.children.forEach(drop);
    };
    drop(this);
  }

  setPluginData(key: string, value: string): void {
    if (typeof key !== 'string' || typeof value !== 'string') throw new TypeError('setPluginData takes strings');
    if (key.length + value.length > MAX_PLUGIN_DATA) throw new Error('plugin data entry over 100 kB');
    if (value === '') this.pluginData.delete(key);
    else this.pluginData.set(key, value);
  }
  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }
  getPluginDataKeys(): string[] {
    return [...this.pluginData.keys()];
  }
}

export interface FakeImage {
  hash: string;
  getBytesAsync(): Promise<Uint8Array>;
  getSizeAsync(): Promise<{ width: number; height: number }>;
}

function hashBytes(bytes: Uint8Array): string {
  // FNV-1a 64-ish (two 32-bit lanes); Figma's real hash is a SHA-1 hex string of the same length.
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 16777619) >>> 0;
    b = Math.imul(b ^ bytes[i] ^ (i & 0xff), 2246822519) >>> 0;
  }
  return (a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).repeat(3).slice(0, 40);
}

function imageSize(bytes: Uint8Array): { width: number; height: number } {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 24 && png.every((v, i) => bytes[i] === v)) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return { width: 1, height: 1 }; // JPEG: size not parsed here
  throw new Error('Image type is unsupported');
}

export interface FakeWorld {
  images: Map<string, Uint8Array>;
}

export interface FakeFigmaOptions {
  /** Initial clientStorage content. */
  clientStorage?: Record<string, unknown>;
  /** Called by figma.showUI (the browser harness makes the iframe here). */
  onShowUI?: (html: string, options: Record<string, unknown>) => void;
  /** Called for every figma.ui.postMessage (the browser harness forwards it into the iframe). */
  onPostMessage?: (msg: unknown) => void;
}

export function createFakeFigma(opts: FakeFigmaOptions = {}) {
  const world: FakeWorld = { images: new Map() };
  let nextId = 1;
  const byId = new Map<string, FakeNode>();
  const make = (type: string, name: string) => {
    const node = new FakeNode(world, `1:${nextId++}`, type, name);
    byId.set(node.id, node);
    return node;
  };
  const documentNode = new FakeNode(world, '0:0', 'DOCUMENT', 'Document');
  const page = new FakeNode(world, '0:1', 'PAGE', 'Page 1');
  page.parent = documentNode;
  documentNode.children.push(page);
  byId.set(page.id, page);

  const storage = new Map<string, string>(
    Object.entries(opts.clientStorage ?? {}).map(([k, v]) => [k, JSON.stringify(v)]),
  );
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string) => listeners.get(event)?.forEach((cb) => cb());

  let selection: FakeNode[] = [];
  Object.defineProperty(page, 'selection', {
    get(): FakeNode[] {
      return selection;
    },
    set(nodes: FakeNode[]) {
      for (const n of nodes) if (n.removed) throw new Error('cannot select a removed node');
      selection = [...nodes];
      // Figma fires selectionchange for the plugin's own selection changes too, asynchronously.
      queueMicrotask(() => emit('selectionchange'));
    },
  });
  const pageApi = page as FakeNode & { selection: FakeNode[] };

  const log = {
    /** Messages the main thread posted to the UI, in order. */
    toUi: [] as any[],
    notifications: [] as { message: string; options?: Record<string, unknown> }[],
    showUI: [] as { html: string; options: Record<string, unknown> }[],
    scrolledTo: [] as string[][],
    resized: [] as [number, number][],
  };
  const uiWaiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];

  const ui = {
    onmessage: undefined as undefined | ((msg: unknown, props: { origin: string }) => unknown),
    postMessage(msg: unknown) {
      const copy = structuredClone(msg);
      log.toUi.push(copy);
      for (const w of [...uiWaiters]) {
        if (w.pred(copy)) {
          uiWaiters.splice(uiWaiters.indexOf(w), 1);
          w.resolve(copy);
        }
      }
      opts.onPostMessage?.(copy);
    },
    resize(w: number, h: number) {
      log.resized.push([w, h]);
    },
    show() {},
    hide() {},
    close() {},
  };

  const figma = {
    apiVersion: '1.0.0',
    editorType: 'figma',
    root: documentNode,
    currentPage: pageApi,
    async setCurrentPageAsync(p: FakeNode) {
      if (p !== page) throw new Error('only one page in the fake');
    },
    showUI(html: string, options: Record<string, unknown> = {}) {
      log.showUI.push({ html, options });
      opts.onShowUI?.(html, options);
    },
    ui,
    clientStorage: {
      async getAsync(key: string) {
        const v = storage.get(key);
        return v === undefined ? undefined : JSON.parse(v);
      },
      async setAsync(key: string, value: unknown) {
        const s = JSON.stringify(value);
        if (s === undefined) throw new Error('clientStorage value must be serializable');
        storage.set(key, s);
      },
      async deleteAsync(key: string) {
        storage.delete(key);
      },
      async keysAsync() {
        return [...storage.keys()];
      },
    },
    createRectangle() {
      const n = make('RECTANGLE', 'Rectangle');
      page.appendChild(n);
      return n;
    },
    createFrame() {
      const n = make('FRAME', 'Frame');
      n.fills = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
      page.appendChild(n);
      return n;
    },
    createImage(bytes: Uint8Array): FakeImage {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('createImage takes a Uint8Array');
      const size = imageSize(bytes);
      if (size.width > 4096 || size.height > 4096) throw new Error('Image is too large');
      const hash = hashBytes(bytes);
      world.images.set(hash, bytes.slice());
      return { hash, getBytesAsync: async () => bytes.slice(), getSizeAsync: async () => size };
    },
    getImageByHash(hash: string) {
      const bytes = world.images.get(hash);
      return bytes ? { hash, getBytesAsync: async () => bytes.slice() } : null;
    },
    getNodeById(): never {
      throw new Error('Cannot call getNodeById with documentAccess: dynamic-page. Use figma.getNodeByIdAsync instead.');
    },
    async getNodeByIdAsync(id: string) {
      const n = byId.get(id);
      return n && !n.removed ? n : null;
    },
    notify(message: string, options?: Record<string, unknown>) {
      log.notifications.push({ message, options });
      return { cancel() {} };
    },
    viewport: {
      center: { x: 500, y: 400 },
      zoom: 1,
      scrollAndZoomIntoView(nodes: FakeNode[]) {
        log.scrolledTo.push(nodes.map((n) => n.id));
      },
    },
    on(event: string, cb: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(cb);
    },
    off(event: string, cb: Listener) {
      listeners.get(event)?.delete(cb);
    },
    closePlugin() {},
  };

  return {
    figma,
    page: pageApi,
    log,
    images: world.images,
    storage,
    /** The UI sends a message to the main thread (as parent.postMessage({pluginMessage}) would). */
    async fromUi(msg: unknown): Promise<void> {
      if (!ui.onmessage) throw new Error('the plugin set no figma.ui.onmessage');
      await ui.onmessage(structuredClone(msg), { origin: 'null' });
    },
    /** Resolves with the next (or an already posted, not yet claimed) message to the UI matching `pred`. */
    nextToUi<T = any>(pred: (m: any) => boolean, timeoutMs = 5000, since = log.toUi.length): Promise<T> {
      const seen = log.toUi.slice(since).find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a message to the UI')), timeoutMs);
        uiWaiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    /** The designer selects nodes on the canvas. */
    select(nodes: FakeNode[]) {
      pageApi.selection = nodes;
    },
    node(id: string) {
      return byId.get(id);
    },
  };
}

export type FakeFigma = ReturnType<typeof createFakeFigma>;

/** Runs a built dist/code.js (an IIFE script) with the fake as its `figma` global. */
export function runPluginCode(code: string, fake: FakeFigma, html = '<html></html>'): void {
  new Function('figma', '__html__', code)(fake.figma, html);
}
