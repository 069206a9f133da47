import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** .ci/audit.js judges `npm audit --omit=dev --json` reports (saved ones here; CI runs npm). */
const script = join(__dirname, '../../../.ci/audit.js');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-audit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function judge(report: unknown, exceptions: Array<{ id: string; reason: string }> = []) {
  const r = join(dir, 'report.json');
  const e = join(dir, 'exceptions.json');
  writeFileSync(r, JSON.stringify(report));
  writeFileSync(e, JSON.stringify({ advisories: exceptions }));
  return spawnSync(process.execPath, [script, '--report', r, '--exceptions', e], { encoding: 'utf8' });
}

const advisory = (severity: string, source: number) => ({
  source,
  name: 'left-pad',
  title: 'Prototype pollution',
  url: `https://github.com/advisories/GHSA-${source}`,
  severity,
  range: '<1.3.1',
});
const report = (...via: Array<object | string>) => ({
  auditReportVersion: 2,
  vulnerabilities: { 'left-pad': { name: 'left-pad', severity: 'high', via, effects: [] } },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: via.length, critical: 0, total: 1 } },
});

describe('.ci/audit.js', () => {
  it('fails on a high or critical advisory and names it', () => {
    const high = judge(report(advisory('high', 1001)));
    expect(high.status).toBe(1);
    expect(high.stderr).toContain('high left-pad (<1.3.1): Prototype pollution');
    expect(judge(report(advisory('critical', 1002))).status).toBe(1);
  });

  it('passes moderate ones, packages vulnerable only through another, and documented exceptions', () => {
    expect(judge(report(advisory('moderate', 1003))).status).toBe(0);
    expect(judge(report('other-package')).status).toBe(0);
    expect(judge(report(advisory('high', 1004)), [{ id: '1004', reason: 'dev-only code path' }]).status).toBe(
      0,
    );
  });

  it('says loudly that it did not run when the registry refuses the advisory endpoint', () => {
    const refused = judge({ statusCode: 405, message: '405 Method Not Allowed - POST .../advisories/bulk' });
    expect(refused.status).toBe(0);
    expect(refused.stderr).toContain('audit: NOT RUN');
  });

  it('fails on output that is not an audit report', () => {
    expect(judge({ something: 'else' }).status).toBe(1);
  });
});
