import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { MaestroError } from '../../core/errors';

/**
 * The sample Flux config repo shipped in `gitops-repo-template/` (namespace `shop`, targets `web`,
 * `api`, `checkout`; see examples/maestro.yaml). The demo and the simulator seed their git repo from
 * these files, so every demo run exercises the same YAML a user copies into a real cluster.
 */
export const TEMPLATE_FOLDER = 'gitops-repo-template';

/**
 * The folder holding MAESTRO's package.json, found by walking up from `start`. Works from both src/
 * (ts-jest) and dist/src/ (the built CLI), which sit at different depths below the package root.
 */
export function findPackageRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, TEMPLATE_FOLDER))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new MaestroError(
        'INTERNAL',
        `cannot find MAESTRO's package root (a folder with package.json and ${TEMPLATE_FOLDER}/) above ${start}; ` +
          'reinstall the package: the template ships with it',
        { data: { start } },
      );
    }
    dir = parent;
  }
}

/**
 * Every file of the template as `{ 'apps/web/deployment.yaml': '<text>', ... }`: keys are paths
 * relative to the template folder with `/` separators, in sorted order, text read as UTF-8 and
 * returned unchanged (comments and layout matter: MAESTRO edits these files in place).
 *
 * `dir` defaults to the template shipped with the package; pass another folder to load a copy.
 */
export function loadTemplateFiles(
  dir: string = join(findPackageRoot(), TEMPLATE_FOLDER),
): Record<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MaestroError('NOT_FOUND', `template folder ${dir} does not exist`, { data: { dir } });
  }
  const files: Record<string, string> = {};
  for (const abs of listFiles(dir)) {
    files[relative(dir, abs).split(sep).join('/')] = readFileSync(abs, 'utf8');
  }
  return files;
}

/** Regular files below `dir`, depth first, names sorted so the result does not depend on the file system. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(abs));
    else if (e.isFile()) out.push(abs);
  }
  return out;
}
