// ESLint flat config. The `rooms` below enforce the import direction of shared/ARCHITECTURE.md:
// cli/server -> loop -> core <- adapters/manifests; sim -> core. A violation is a lint error.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

const nodeBuiltins = require('node:module').builtinModules;
const noNode = [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)].filter((m) => !m.startsWith('_'));
const libsWithIo = ['axios', 'isomorphic-git', 'isomorphic-git/*', '@octokit/*', 'onnxruntime-node', 'express', 'ws', 'pino', 'prom-client'];

/** room -> patterns it must not import (relative to src/<room>/...). */
function forbid(files, patterns, message, extraPaths = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: patterns, message }], paths: extraPaths.map((name) => ({ name, message })) },
      ],
    },
  };
}
const up = (...rooms) => rooms.flatMap((r) => [`**/${r}`, `**/${r}/**`]);

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'dashboard/vendor/**', 'bench/results/**', 'jest.config.js', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  forbid(
    ['src/core/**/*.ts'],
    [...up('adapters', 'manifests', 'loop', 'server', 'sim', 'cli', 'config', 'train', 'eval'), ...libsWithIo],
    'src/core is pure: no I/O, no node:*, no adapters. Pass what you need in.',
    noNode,
  ),
  forbid(
    ['src/manifests/**/*.ts'],
    [...up('adapters', 'loop', 'server', 'sim', 'cli', 'train', 'eval'), ...libsWithIo],
    'src/manifests is pure text-to-text YAML editing and knows nothing of git or I/O.',
    noNode.filter((m) => !/^(node:)?(fs|path)$/.test(m)),
  ),
  forbid(
    ['src/adapters/prometheus/**/*.ts'],
    up('git', 'github', 'onnx', 'loop', 'server', 'sim', 'cli', 'train', 'eval'),
    'An adapter wraps one library and imports no other adapter or outer room.',
  ),
  forbid(
    ['src/adapters/git/**/*.ts'],
    up('prometheus', 'github', 'onnx', 'loop', 'server', 'sim', 'cli', 'train', 'eval'),
    'An adapter wraps one library and imports no other adapter or outer room.',
  ),
  forbid(
    ['src/adapters/github/**/*.ts'],
    up('prometheus', 'git', 'onnx', 'loop', 'server', 'sim', 'cli', 'train', 'eval'),
    'An adapter wraps one library and imports no other adapter or outer room.',
  ),
  forbid(
    ['src/adapters/onnx/**/*.ts'],
    up('prometheus', 'git', 'github', 'loop', 'server', 'sim', 'cli', 'train', 'eval'),
    'An adapter wraps one library and imports no other adapter or outer room.',
  ),
  {
    // implements the LeaderElector port of src/loop/leader-election.ts: type imports of loop only
    files: ['src/adapters/kubernetes/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: up('prometheus', 'git', 'github', 'onnx', 'server', 'sim', 'cli', 'train', 'eval'),
              message: 'An adapter wraps one library and imports no other adapter or outer room.',
            },
            {
              group: up('loop'),
              allowTypeImports: true,
              message: 'The Kubernetes adapter implements the LeaderElector port (src/loop/leader-election.ts): type imports only.',
            },
          ],
        },
      ],
    },
  },
  forbid(
    ['src/loop/**/*.ts'],
    [...up('adapters', 'server', 'cli', 'sim', 'train', 'eval'), ...libsWithIo],
    'src/loop talks to ports (src/core/ports), never to concrete adapters.',
  ),
  forbid(
    ['src/server/**/*.ts'],
    up('adapters', 'cli', 'sim', 'train', 'eval'),
    'src/server is wired with ports by cli; it constructs no adapter.',
  ),
  forbid(
    ['src/sim/**/*.ts'],
    up('loop', 'server', 'cli', 'train', 'eval', 'prometheus', 'github', 'onnx', 'config'),
    'The simulator imports only core (plus the git adapter and manifest parsing, as Flux would).',
  ),
  forbid(
    ['src/config/**/*.ts'],
    up('adapters', 'loop', 'server', 'sim', 'cli', 'train', 'eval', 'manifests'),
    'src/config is the zod schema and loader only.',
  ),
  {
    files: ['dashboard/**/*.ts', 'dashboard/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
