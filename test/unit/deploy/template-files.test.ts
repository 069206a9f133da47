import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMaestroError } from '../../../src/core/errors';
import { findPackageRoot, loadTemplateFiles, TEMPLATE_FOLDER } from '../../../src/cli/wiring/template-files';

const root = join(__dirname, '..', '..', '..');

describe('loadTemplateFiles', () => {
  it('finds the package root from src/ and from a folder below it', () => {
    expect(findPackageRoot()).toBe(root);
    expect(findPackageRoot(join(root, 'dist', 'src', 'cli', 'wiring'))).toBe(root);
  });

  it('returns every template file by its repo-relative path, text unchanged', () => {
    const files = loadTemplateFiles();
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'README.md',
        'clusters/production/kustomization.yaml',
        'clusters/production/apps.yaml',
        'apps/kustomization.yaml',
        'apps/web/deployment.yaml',
        'apps/api/hpa.yaml',
        'apps/api/deployment.yaml',
        'apps/checkout/canary.yaml',
        'apps/checkout/deployment.yaml',
        'apps/checkout/hpa.yaml',
      ]),
    );
    expect(files['apps/checkout/canary.yaml']).toBe(
      readFileSync(join(root, TEMPLATE_FOLDER, 'apps', 'checkout', 'canary.yaml'), 'utf8'),
    );
    expect(Object.keys(files)).toEqual([...Object.keys(files)].sort());
  });

  it('loads another folder with / separators and sorted keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maestro-template-'));
    try {
      mkdirSync(join(dir, 'b', 'c'), { recursive: true });
      writeFileSync(join(dir, 'b', 'c', 'x.yaml'), 'x: 1 # kept\n');
      writeFileSync(join(dir, 'a.yaml'), 'a: 2\n');
      expect(loadTemplateFiles(dir)).toEqual({ 'a.yaml': 'a: 2\n', 'b/c/x.yaml': 'x: 1 # kept\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the folder when it does not exist', () => {
    const missing = join(tmpdir(), 'maestro-no-such-template-folder');
    let caught: unknown;
    try {
      loadTemplateFiles(missing);
    } catch (e) {
      caught = e;
    }
    expect(isMaestroError(caught, 'NOT_FOUND')).toBe(true);
    expect((caught as Error).message).toContain(missing);
  });

  it('fails clearly when no package root is above the start folder', () => {
    expect(() => findPackageRoot(tmpdir())).toThrow(/cannot find MAESTRO's package root/);
  });
});
