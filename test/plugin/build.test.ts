// `npm run build` produces the files plugins/figma/manifest.json names, and the manifest is one
// Figma accepts for this plugin.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PLUGIN_DIR, PROJECT_ROOT, buildPlugin, readManifest } from './helpers.ts';

describe('figma plugin build', () => {
  it('has a manifest Figma accepts, with localhost and the server domain (HTTP and WebSocket) in networkAccess', () => {
    const m = readManifest();
    assert.equal(m.name, 'ssg-studio');
    assert.equal(m.api, '1.0.0');
    assert.match(m.id, /^\S+$/);
    assert.equal(m.main, 'dist/code.js');
    assert.equal(m.ui, 'dist/ui.html');
    assert.deepEqual(m.editorType, ['figma']);
    assert.equal(m.documentAccess, 'dynamic-page');
    const net = m.networkAccess!;
    assert.ok(net.allowedDomains.includes('http://localhost:4000'), 'localhost is allowed');
    assert.ok(
      net.allowedDomains.some((d) => d.startsWith('https://') && !/localhost|127\.0\.0\.1/.test(d)),
      'a server domain (https) is allowed',
    );
    assert.ok(net.devAllowedDomains?.includes('http://localhost:4000'));
    // Render progress comes over a WebSocket at the same /graphql URL. Figma's allowedDomains are
    // CSP sources: an http(s) entry does not reliably cover ws(s), so each domain is listed with
    // its WebSocket scheme too (http → ws, https → wss).
    for (const list of [net.allowedDomains, net.devAllowedDomains ?? []]) {
      for (const d of list.filter((x) => /^https?:\/\//.test(x))) {
        const ws = d.replace(/^http/, 'ws');
        assert.ok(list.includes(ws), `${ws} is listed next to ${d} (WebSocket subscriptions)`);
      }
    }
    assert.ok(net.reasoning && net.reasoning.length > 20, 'reasoning explains the network access');
  });

  it('npm run build writes the main and ui files the manifest names', () => {
    const { codeFile, uiFile } = buildPlugin();
    const m = readManifest();
    assert.equal(codeFile, path.join(PLUGIN_DIR, m.main));
    assert.equal(uiFile, path.join(PLUGIN_DIR, m.ui));
    for (const f of [codeFile, uiFile]) assert.ok(existsSync(f) && statSync(f).size > 1000, `${f} was built`);
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.build, /scripts\/build\.mjs/);

    // code.js: one classic script for Figma's sandbox (no module syntax, no network).
    const code = readFileSync(codeFile, 'utf8');
    assert.doesNotMatch(code, /^\s*(import|export)\s/m);
    assert.doesNotMatch(code, /\bfetch\(/);
    assert.match(code, /showUI\(__html__/);

    // ui.html: a single file, everything inlined (Figma loads only this file).
    const html = readFileSync(uiFile, 'utf8');
    assert.match(html, /^<!doctype html>/i);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet/i, 'no external scripts or stylesheets');
    assert.doesNotMatch(html, /@inline-(js|css)/, 'markers were replaced');
    assert.match(html, /--figma-color-bg/);
    assert.match(html, /swapComponents/);
    assert.equal((html.match(/<\/script>/gi) ?? []).length, 1, 'the inlined script cannot close its tag early');
  });

  it('both halves of the plugin type-check against their own tsconfig', () => {
    const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const project of ['tsconfig.json', 'tsconfig.ui.json']) {
      execFileSync(process.execPath, [tsc, '-p', path.join(PLUGIN_DIR, project)], { stdio: 'pipe' });
    }
  });
});
