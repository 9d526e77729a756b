#!/usr/bin/env node
// `npm run build`: builds the Figma plugin (plugins/figma) with esbuild.
// - src/code.ts            -> dist/code.js  (main thread, one IIFE script for Figma's sandbox)
// - src/ui/main.ts + .css  -> inlined into dist/ui.html (Figma loads the UI as one HTML file)
// Minified by default (Figma loads ui.html into every plugin window); --no-minify for readable output.
// Options: --watch (rebuild on change), --check (also type-check both halves with tsc first).
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pluginDir = path.join(root, 'plugins', 'figma');
const srcDir = path.join(pluginDir, 'src');

/** Writes via a temporary file so a concurrent reader never sees half a file. */
async function writeAtomic(file, content) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/**
 * The GraphQL documents in src/ui/operations.ts are indented for reading; the bundle gets them
 * on one line (GraphQL has no significant whitespace outside strings, and these have none).
 */
const compactGraphQL = {
  name: 'compact-graphql',
  setup(build) {
    build.onLoad({ filter: /[\\/]ui[\\/]operations\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = source.replace(
        /\/\* GraphQL \*\/ `((?:[^`$]|\$(?!\{))*)`/g,
        (_, doc) => `\`${doc.replace(/\s+/g, ' ').trim()}\``,
      );
      return { contents, loader: 'ts' };
    });
  },
};

export async function buildPlugin({ outDir, minify = true, log = console.log } = {}) {
  const manifest = JSON.parse(await readFile(path.join(pluginDir, 'manifest.json'), 'utf8'));
  const codeOut = outDir ? path.join(outDir, path.basename(manifest.main)) : path.join(pluginDir, manifest.main);
  const uiOut = outDir ? path.join(outDir, path.basename(manifest.ui)) : path.join(pluginDir, manifest.ui);
  await mkdir(path.dirname(codeOut), { recursive: true });
  await mkdir(path.dirname(uiOut), { recursive: true });

  const common = { bundle: true, write: false, minify, sourcemap: false, logLevel: 'silent', legalComments: 'none' };
  // Figma's main-thread sandbox: a plain script, conservative syntax.
  const code = await esbuild.build({
    ...common,
    entryPoints: [path.join(srcDir, 'code.ts')],
    format: 'iife',
    target: 'es2017',
    platform: 'neutral',
  });
  const ui = await esbuild.build({
    ...common,
    entryPoints: [path.join(srcDir, 'ui', 'main.ts')],
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    plugins: [compactGraphQL],
  });
  const css = await esbuild.build({
    ...common,
    entryPoints: [path.join(srcDir, 'ui', 'styles.css')],
    loader: { '.css': 'css' },
    target: 'chrome100',
  });
  const template = await readFile(path.join(srcDir, 'ui', 'index.html'), 'utf8');
  const js = ui.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1');
  const style = css.outputFiles[0].text.replace(/<\/(style)/gi, '<\\/$1');
  if (!template.includes('/*@inline-js*/') || !template.includes('/*@inline-css*/')) {
    throw new Error('plugins/figma/src/ui/index.html lost its /*@inline-js*/ or /*@inline-css*/ marker');
  }
  const html = template.replace('/*@inline-css*/', () => style).replace('/*@inline-js*/', () => js);

  await writeAtomic(codeOut, code.outputFiles[0].text);
  await writeAtomic(uiOut, html);
  log(
    `figma plugin: ${path.relative(root, codeOut)} (${Buffer.byteLength(code.outputFiles[0].text)} B), ${path.relative(root, uiOut)} (${Buffer.byteLength(html)} B)`,
  );
  return { codeFile: codeOut, uiFile: uiOut };
}

function typecheck() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const project of ['tsconfig.json', 'tsconfig.ui.json']) {
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(pluginDir, project)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`type errors in plugins/figma (${project})`);
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = new Set(process.argv.slice(2));
  try {
    if (args.has('--check')) typecheck();
    const minify = !args.has('--no-minify');
    await buildPlugin({ minify });
    if (args.has('--watch')) {
      const { watch } = await import('node:fs');
      let timer;
      watch(srcDir, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => buildPlugin({ minify }).catch((err) => console.error(err.message)), 100);
      });
      console.log('watching plugins/figma/src …');
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
