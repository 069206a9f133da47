import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startDemo, type DemoStack } from '../../src/cli/wiring/demo-stack';
import { yamlTargetManifests } from '../../src/cli/wiring/target-manifests';
import { createRedactor } from '../../src/core/redact';
import { createLogger } from '../../src/server/logger';
import { CHROMIUM, describeWithBinary } from '../support/external-binary';

/**
 * The dashboard in a real Chromium against the real demo stack (embedded git server, simulator
 * reconciling the repo and running the canary, the agent): live updates arrive over the WebSocket;
 * a person force-rolls-back a bad canary through the confirm dialog; the rollback ends as a Failed
 * canary in the simulator and a pod-template revert commit authored by that person in git.
 */
const { describe: d, path: chromiumPath } = describeWithBinary('Chromium', CHROMIUM);
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const PERSON = 'Ada Lovelace';
const SPEED = 10;

/** Polls `check` (the page's CSP forbids string evaluation, so no waitForFunction with strings). */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

d('dashboard in Chromium', () => {
  let stack: DemoStack;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    stack = await startDemo({
      speed: SPEED,
      seed: 7,
      // a subtly bad release 60 simulated seconds in: Flagger's own checks let it through
      releases: [{ atSeconds: 60, image: 'ghcr.io/maestro-demo/web:1.4.0' }],
      prometheus: 'off',
      logger: createLogger(createRedactor([]), { level: 'silent' }),
      operator: PERSON,
      manifests: yamlTargetManifests(),
    });
    profile = mkdtempSync(join(tmpdir(), 'maestro-chromium-'));
    // a fresh profile per run (playwright passes it as --user-data-dir)
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows live updates and force-rolls-back a bad canary as a commit by the person', async () => {
    const page = await browser.newPage();
    await page.goto(stack.dashboardUrl);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 15_000 });
    // the one-time token left the address bar and was traded for a session; the link is now spent
    expect(page.url()).not.toContain('token=');
    const reuse = await fetch(`${stack.agent.server.url}/api/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}` },
    });
    expect(reuse.status).toBe(401);
    const direct = await fetch(`${stack.agent.server.url}/api/targets`, {
      headers: { authorization: `Bearer ${stack.token}` },
    });
    expect(direct.status).toBe(401);

    // live updates over the WebSocket: the cycle counter moves without a reload
    const cycle = async () =>
      Number(/cycle (\d+)/.exec((await page.textContent('#agent-status')) ?? '')?.[1] ?? -1);
    const first = await cycle();
    await until(async () => (await cycle()) > first + 1, 15_000, 'the cycle counter to move');
    await page.click('li[data-target="checkout"]');
    await page.waitForSelector('#decisions tbody tr', { timeout: 15_000 });
    // the person first pauses the agent's own canary decisions, so the release waits for them
    await page.click('button[data-action="pause"]');
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-ok');
    await until(
      async () => (await page.getAttribute('#target-state', 'data-state')) === 'paused',
      15_000,
      'checkout paused',
    );
    await page.waitForSelector('#target-facts[data-phase="Progressing"]', { timeout: 30_000 });

    // force rollback, with its confirm step
    await page.click('button[data-action="rollback"]');
    await page.waitForSelector('dialog#confirm[open]');
    expect(await page.textContent('#confirm-text')).toMatch(/Force rollback checkout\?/);
    await page.fill('#confirm-reason', 'error budget burning');
    await page.click('#confirm-ok');
    await until(
      async () => /force rollback/.test((await page.textContent('#action-result')) ?? ''),
      10_000,
      'the override result',
    );

    // Flagger (the simulator) rolls back at its next analysis tick
    const deadline = Date.now() + 40_000;
    const failed = () =>
      stack.sim.cluster.state().canaries.find((c) => c.name === 'checkout')?.phase === 'Failed';
    while (!failed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(failed()).toBe(true);

    // ...and the agent writes the pod-template revert back to git, authored by the person
    const log = () =>
      execFileSync('git', ['-C', stack.repoPath, 'log', '--format=%an|%ae|%s', 'main'], {
        encoding: 'utf8',
      }).split('\n');
    let revert: string | undefined;
    while (!revert && Date.now() < deadline + 20_000) {
      revert = log().find((l) => /revert the pod template/.test(l));
      if (!revert) await new Promise((r) => setTimeout(r, 250));
    }
    expect(revert).toMatch(
      new RegExp(`^${PERSON}\\|ada-lovelace@maestro.local\\|maestro: checkout revert the pod template`),
    );
    const reverted = execFileSync(
      'git',
      ['-C', stack.repoPath, 'show', 'main:apps/checkout/deployment.yaml'],
      { encoding: 'utf8' },
    );
    expect(reverted).not.toContain(':1.4.0');

    // the dashboard saw the commit arrive
    await until(
      async () => /revert the pod template/.test((await page.textContent('#events')) ?? ''),
      15_000,
      'the commit event',
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-force-rollback.png'), fullPage: true });
  }, 120_000);
});
