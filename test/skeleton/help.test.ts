// `--help` on any command prints that command's help and exits 0 without doing anything; a wrong
// option is one line on stderr and exit 2. Through bin/ssg.js, as a user types it.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { ssg } from '../helpers/ssg.ts';

const cwd = await mkdtemp(path.join(os.tmpdir(), 'ssg-help-'));
after(() => rm(cwd, { recursive: true, force: true }));
// Were a command to run anyway, it would reach for this closed port and a fresh data directory.
const env = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/nothing',
  PORT: '0',
  SSG_DATA_DIR: path.join(cwd, 'data'),
};

const COMMANDS: [string[], string][] = [
  [['start'], 'ssg start'],
  [['worker'], 'ssg worker'],
  [['migrate'], 'ssg migrate'],
  [['token', 'create'], 'ssg token create --workspace NAME'],
  [['token', 'list'], 'ssg token list'],
  [['token', 'revoke'], 'ssg token revoke ID|PREFIX'],
  [['emit-schema'], 'ssg emit-schema'],
  [['import-checkpoint', path.join(cwd, 'x.pt'), '--out', path.join(cwd, 'imported')], 'ssg import-checkpoint FILE.pt'],
  [['build-demo-model', '--out', path.join(cwd, 'demo')], 'ssg build-demo-model --out DIR'],
  [['render'], 'ssg render --model DIR'],
  [['sample'], 'ssg sample --model DIR'],
  [['bench'], 'ssg bench --model DIR'],
  [['train-encoder'], 'ssg train-encoder --model-ckpt MODEL.pt'],
  [['export-encoder'], 'ssg export-encoder --from CKPT'],
];

test('every command prints its help and exits 0, doing nothing', async () => {
  const schemaFile = path.join(PROJECT_ROOT, 'schema', 'schema.graphql');
  const schemaBefore = (await stat(schemaFile)).mtimeMs;
  const results = await Promise.all(
    COMMANDS.flatMap(([args]) => [ssg([...args, '--help'], { cwd, env }), ssg([...args, '-h'], { cwd, env })]),
  );
  COMMANDS.forEach(([args, usage], i) => {
    for (const r of [results[2 * i], results[2 * i + 1]]) {
      const what = `ssg ${args.join(' ')} --help`;
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.equal(r.stderr, '', what);
      assert.ok(r.stdout.startsWith(`usage: ${usage}`), `${what}:\n${r.stdout}`);
      assert.match(r.stdout, /-h, --help/, what);
    }
  });
  // Nothing was started, migrated, built or written.
  assert.equal((await stat(schemaFile)).mtimeMs, schemaBefore, 'emit-schema --help left the schema alone');
  assert.deepEqual(await readdir(cwd), []);
});

test('ssg --help and ssg help CMD', async () => {
  const [top, helpTop, helpStart, helpCreate, helpToken] = await Promise.all([
    ssg(['--help'], { cwd, env }),
    ssg(['help'], { cwd, env }),
    ssg(['help', 'start'], { cwd, env }),
    ssg(['help', 'token', 'create'], { cwd, env }),
    ssg(['token', '--help'], { cwd, env }),
  ]);
  for (const r of [top, helpTop, helpStart, helpCreate, helpToken]) assert.equal(r.code, 0, r.stderr);
  for (const name of ['start', 'worker', 'migrate', 'token create', 'token list', 'token revoke', 'emit-schema'])
    assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'), `ssg --help lists ${name}`);
  for (const name of ['import-checkpoint', 'build-demo-model', 'render', 'sample', 'bench'])
    assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'), `ssg --help lists ${name}`);
  assert.equal(helpTop.stdout, top.stdout);
  assert.ok(helpStart.stdout.startsWith('usage: ssg start'));
  assert.match(helpCreate.stdout, /--expires-in DURATION/);
  // A lifetime is optional: the help must not read as if 30 days were the default.
  assert.match(helpCreate.stdout, /default: never expires/);
  assert.doesNotMatch(helpCreate.stdout, /\(30d\)/);
  assert.match(helpToken.stdout, /token revoke/);
});

test('a wrong option or argument is one line on stderr and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['start', '--bogus'], /^ssg: start: unknown option --bogus/],
    [['worker', 'extra'], /^ssg: worker: unexpected argument "extra"/],
    [['token', 'create', '--workspace'], /^ssg: token create: --workspace needs a value/],
    [['token', 'create'], /^ssg: token create: missing --workspace/],
    [['token', 'create', '--workspace', 'w', '--expires-in', 'soon'], /^ssg: token create: --expires-in must be/],
    [['token', 'list', '--all'], /^ssg: token list: unknown option --all/],
    [['token', 'revoke'], /^ssg: token revoke: missing ID\|PREFIX/],
    [['token', 'delete'], /^ssg: unknown command "token delete"/],
    [['render', '--model', 'm', '--latent', 'w.npy', '--out', 'o', '--npy=yes'], /^ssg: render: --npy takes no value/],
    [['bench', '--model', 'm', '--gpu'], /^ssg: bench: unknown option --gpu/],
    [['sample', '--model', 'm', '--seed', '1'], /^ssg: sample: missing --out/],
    [['export-encoder', '--from', 'x.pt'], /^ssg: export-encoder: missing --out/],
    [['paint'], /^ssg: unknown command "paint"/],
  ];
  const results = await Promise.all(cases.map(([args]) => ssg(args, { cwd, env })));
  cases.forEach(([args, expected], i) => {
    const r = results[i];
    const what = `ssg ${args.join(' ')}`;
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: one line:\n${r.stderr}`);
    assert.match(r.stderr, expected, what);
    assert.equal(r.stdout, '', what);
  });
  assert.deepEqual(await readdir(cwd), []);
});
