import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startGitServer, type TestGitServer } from '../../support/git-server';
import { runMaestro } from '../../support/run-maestro';

/**
 * Acceptance (issue 3): `maestro override web replicas 5` against a repo served by the embedded
 * git server makes one commit whose diff is a single line, authored by the person, committed by
 * the agent, with the Maestro-* trailers — all checked with the real git CLI.
 */
const DEPLOYMENT = `# web: the shop's front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 4 # maestro manages this line
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.4.2
`;
const HPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  minReplicas: 2
  maxReplicas: 6
`;
const CANARY = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: checkout
spec:
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: checkout }
  service:
    port: 80
  skipAnalysis: false # a forced promote sets this
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    maxWeight: 50
`;

function config(url: string, extra = ''): string {
  return `git:
  url: ${url}
  branch: main
  author: { name: maestro, email: maestro@example.com }
${extra}prometheus: { url: "http://127.0.0.1:9" }
targets:
  - { name: web, kind: deployment-replicas, file: apps/web/deployment.yaml, namespace: shop, minReplicas: 2, maxReplicas: 20, slo: { p95Ms: 250 } }
  - { name: api, kind: hpa-bounds, file: apps/api/hpa.yaml, minReplicas: 2, maxReplicas: 30, slo: { p95Ms: 300 } }
  - { name: checkout, kind: flagger-canary, file: apps/checkout/canary.yaml, minReplicas: 2, maxReplicas: 10, slo: { p95Ms: 400 } }
`;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runMaestro(args, { env });
}

function gitIn(cwd: string, args: string[], input?: string): Promise<string> {
  return new Promise((ok, fail) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' } },
      (e, so, se) => (e ? fail(new Error(se || e.message)) : ok(so)),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

describe('maestro override (real git server, real git CLI)', () => {
  let g: TestGitServer;
  let cfg: string;
  const ANN = 'Ann Smith <ann@example.com>';
  beforeAll(async () => {
    g = await startGitServer({
      files: {
        'apps/web/deployment.yaml': DEPLOYMENT,
        'apps/api/hpa.yaml': HPA,
        'apps/checkout/canary.yaml': CANARY,
      },
    });
    cfg = join(g.tmp, 'maestro.yaml');
    await writeFile(cfg, config(g.url));
  });
  afterAll(() => g.stop());

  const head = async () => (await g.gitCli('rev-parse', 'main')).trim();

  test('`override web replicas 5`: one commit, a one-line diff, the person as author, trailers', async () => {
    const before = await head();
    const r = await cli([
      'override',
      'web',
      'replicas',
      '5',
      '--config',
      cfg,
      '--as',
      ANN,
      '--reason',
      'load test at 15:00',
    ]);
    expect(r.stderr).toMatch(/web: replicas 5 committed as [0-9a-f]{7} by Ann Smith/);
    expect(r.code).toBe(0);
    const sha = r.stdout.trim();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await head()).toBe(sha);
    expect(await g.gitCli('rev-list', '--count', `${before}..${sha}`)).toBe('1\n');

    expect(await g.gitCli('show', '--stat', '--format=', sha)).toBe(
      ' apps/web/deployment.yaml | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n',
    );
    const diff = await g.gitCli('diff', '-U0', `${sha}~1`, sha);
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-  replicas: 4 # maestro manages this line',
      '+  replicas: 5 # maestro manages this line',
    ]);
    expect(await g.gitCli('log', '-1', '--format=%an <%ae>/%cn <%ce>', sha)).toBe(
      `${ANN}/maestro <maestro@example.com>\n`,
    );

    const message = await g.gitCli('log', '-1', '--format=%B', sha);
    expect(message.split('\n')[0]).toBe('maestro: web set replicas to 5 (override by Ann Smith)');
    expect(message).toContain('Reason: load test at 15:00');
    const trailers = await gitIn(g.tmp, ['interpret-trailers', '--parse'], message);
    const lines = trailers.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'Maestro-Target: web',
      'Maestro-Action: replicas=5',
      'Maestro-Policy: human-override',
      'Maestro-Observation: none',
      'Maestro-Guardrails: none',
      `Maestro-Override: ${ANN}`,
    ]);
    expect(lines[6]).toMatch(/^Maestro-Decision-Id: o-\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect(lines).toHaveLength(7);
  });

  test('the same override again changes nothing and makes no commit', async () => {
    const before = await head();
    const r = await cli(['override', 'web', 'replicas', '5', '--config', cfg], { MAESTRO_USER: ANN });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nothing to change');
    expect(await head()).toBe(before);
  });

  test("`override '*' pause|resume`: the pause file, in the person's name; other verbs are refused", async () => {
    const p = await cli(['override', '*', 'pause', '--config', cfg, '--as', ANN, '--reason', 'incident 7']);
    expect(p.stderr).toMatch(
      /^\*: pause all targets committed as [0-9a-f]{7} \(maestro-pause\.yaml\) by Ann Smith/,
    );
    expect(p.code).toBe(0);
    const file = await g.gitCli('show', 'main:maestro-pause.yaml');
    expect(file).toMatch(/^ {2}paused: "true"$/m);
    expect(file).toMatch(/^ {2}by: "Ann Smith <ann@example\.com>"$/m);
    expect(file).toMatch(/^ {2}reason: "incident 7"$/m);
    expect(
      await g.gitCli('log', '-1', '--format=%an <%ae>|%(trailers:key=Maestro-Target,valueonly)', 'main'),
    ).toBe(`${ANN}|*\n\n`);
    const again = await cli(['override', '*', 'pause', '--config', cfg, '--as', ANN]);
    expect(again.stderr).toContain('nothing to change');
    const r = await cli(['override', '*', 'resume', '--config', cfg, '--as', ANN]);
    expect(r.code).toBe(0);
    expect(await g.gitCli('show', 'main:maestro-pause.yaml')).toMatch(/^ {2}paused: "false"$/m);
    const bad = await cli(['override', '*', 'replicas', '3', '--config', cfg, '--as', ANN]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/target '\*' \(all targets\) takes pause or resume/);
  });

  test('pause and resume are commits on the target object; promote sets skipAnalysis', async () => {
    const p = await cli(['override', 'web', 'pause', '--config', cfg, '--as', ANN]);
    expect(p.code).toBe(0);
    const paused = await g.gitCli('show', 'main:apps/web/deployment.yaml');
    expect(paused).toContain('maestro.dev/paused: "true"');
    expect(await g.gitCli('log', '-1', '--format=%(trailers:key=Maestro-Action,valueonly)', 'main')).toBe(
      'pause\n\n',
    );
    const r = await cli(['override', 'web', 'resume', '--config', cfg, '--as', ANN]);
    expect(r.code).toBe(0);
    expect(await g.gitCli('show', 'main:apps/web/deployment.yaml')).not.toContain('maestro.dev/paused');

    const h = await cli(['override', 'api', 'replicas', '8', '--config', cfg, '--as', ANN]);
    expect(h.code).toBe(0);
    const hpa = await g.gitCli('show', 'main:apps/api/hpa.yaml');
    expect(hpa).toContain('minReplicas: 8');
    expect(hpa).toContain('maxReplicas: 8');

    const pr = await cli(['override', 'checkout', 'promote', '--config', cfg, '--as', ANN]);
    expect(pr.code).toBe(0);
    expect(await g.gitCli('show', 'main:apps/checkout/canary.yaml')).toContain('skipAnalysis: true');
    expect(await g.gitCli('log', '-1', '--format=%(trailers:key=Maestro-Action,valueonly)', 'main')).toBe(
      'canary promote forced\n\n',
    );
  });

  test.each([
    [['override', 'nope', 'pause'], /unknown target "nope"/],
    [['override', 'web', 'promote'], /not a canary/],
    [['override', 'checkout', 'replicas', '3'], /canary/],
    [['override', 'web', 'replicas', '50'], /within 2\.\.20/],
    [['override', 'web', 'replicas', 'many'], /whole number/],
    [['override', 'web', 'explode'], /unknown action/],
    [['override', 'web', 'pause', '3'], /takes no count/],
  ])('bad input %j exits 2 and writes nothing', async (args, message) => {
    const before = await head();
    const r = await cli([...args, '--config', cfg, '--as', ANN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await head()).toBe(before);
  });

  test('an override needs a named person: no --as and no MAESTRO_USER, or a malformed one, exits 2', async () => {
    const r1 = await cli(['override', 'web', 'pause', '--config', cfg]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('who is overriding?');
    const r2 = await cli(['override', 'web', 'pause', '--config', cfg, '--as', 'ann@example.com']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--as must look like');
    const r3 = await cli(['override', 'web', 'pause', '--config', join(g.tmp, 'missing.yaml'), '--as', ANN]);
    expect(r3.code).toBe(2);
  });

  test('a failed push exits 1', async () => {
    g.setFaults({ down: 'http-503' });
    try {
      const r = await cli(['override', 'web', 'replicas', '6', '--config', cfg, '--as', ANN]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('HTTP 503');
    } finally {
      g.setFaults({});
    }
  });

  test('rollback asks the running agent (its gate acts on the release under analysis)', async () => {
    const seen: { path: string; auth?: string; body: string }[] = [];
    const agent: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({
          path: req.url ?? '',
          ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
          body,
        });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'force rollback requested' }));
      });
    });
    await new Promise<void>((ok) => agent.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`;
      const r = await cli(
        ['override', 'checkout', 'rollback', '--config', cfg, '--as', ANN, '--agent', url],
        { MAESTRO_TOKEN: 'operator-token-123' },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('checkout: force rollback requested');
      expect(seen).toEqual([
        {
          path: '/api/targets/checkout/override',
          auth: 'Bearer operator-token-123',
          body: JSON.stringify({ action: 'rollback', reason: `requested by ${ANN} with maestro override` }),
        },
      ]);
      const down = await cli([
        'override',
        'checkout',
        'rollback',
        '--config',
        cfg,
        '--as',
        ANN,
        '--agent',
        'http://127.0.0.1:9',
      ]);
      expect(down.code).toBe(1);
      const wrong = await cli(['override', 'web', 'rollback', '--config', cfg, '--as', ANN, '--agent', url]);
      expect(wrong.code).toBe(2);
    } finally {
      await new Promise<void>((ok) => agent.close(() => ok()));
    }
  });
});

describe('maestro override with a token', () => {
  const TOKEN = 'push_token_abcdef123456';
  let g: TestGitServer;
  beforeAll(async () => {
    g = await startGitServer({ token: TOKEN, files: { 'apps/web/deployment.yaml': DEPLOYMENT } });
  });
  afterAll(() => g.stop());

  test('reads the token from git.tokenEnv; a wrong token exits 1 without printing it', async () => {
    const cfg = join(g.tmp, 'maestro.yaml');
    await writeFile(cfg, config(g.url, '  tokenEnv: GIT_TOKEN\n').replace('prometheus:', 'prometheus:'));
    const ok = await cli(
      ['override', 'web', 'replicas', '7', '--config', cfg, '--as', 'Bo <bo@example.com>'],
      { GIT_TOKEN: TOKEN },
    );
    expect(ok.stderr).toContain('committed');
    expect(ok.code).toBe(0);
    const bad = await cli(
      ['override', 'web', 'replicas', '8', '--config', cfg, '--as', 'Bo <bo@example.com>'],
      { GIT_TOKEN: 'wrong_token_987654' },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('authentication failed');
    expect(bad.stderr + bad.stdout).not.toContain('wrong_token_987654');
    const missing = await cli(
      ['override', 'web', 'replicas', '8', '--config', cfg, '--as', 'Bo <bo@example.com>'],
      {},
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('GIT_TOKEN is not set');
  });
});
