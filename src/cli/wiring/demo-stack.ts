import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { parseDocument } from 'yaml';
import { EmbeddedGitServer } from '../../adapters/git/embedded-git-server';
import { GitRepoSession } from '../../adapters/git/repo-session';
import { PrometheusMetricsSource } from '../../adapters/prometheus/metrics-source';
import { PrometheusClient } from '../../adapters/prometheus/prometheus-client';
import { parseConfigText } from '../../config/load-config';
import type { MaestroConfig } from '../../config/schema';
import { MaestroError } from '../../core/errors';
import type { MetricsSource, Person } from '../../core/ports';
import { createRedactor } from '../../core/redact';
import type { TargetManifests } from '../../loop/ports';
import type { CommitDetails } from '../../server/app';
import type { WebhookCaller } from '../../sim/flagger/canary-controller';
import { httpWebhookCaller } from '../../sim/flagger/http-webhook';
import { SimRuntime } from '../../sim/runtime/sim-runtime';
import { getScenario, type Scenario } from '../../sim/scenarios';
import { emailFor } from './dashboard-tokens';
import { gitHistorySource } from './history-source';
import { findPrometheus, startPrometheus, type PrometheusProcess } from './prometheus-process';
import { SimClock } from './sim-clock';
import { simDirectMetrics } from './sim-direct-metrics';
import { startAgent, type RunningAgent } from './start-agent';
import { findPackageRoot, loadTemplateFiles } from './template-files';
import { timeScaledMetrics } from './time-scaled-metrics';

const run = promisify(execFile);

/**
 * The embedded demo stack (`maestro demo`, `npm start`, and the browser test): a real git server
 * holding a config repo made from gitops-repo-template/, the simulator in real time (optionally
 * accelerated) reconciling that repo like Flux and running the Canary like Flagger (calling the
 * agent's gates over HTTP), a real Prometheus scraping the simulator when the binary is installed
 * (else the simulator's figures are read directly, and the stack says so), the agent (the control
 * loop with examples/maestro.yaml's targets) and the dashboard.
 */
export interface DemoOptions {
  /** virtual seconds per wall second; default 1 */
  readonly speed: number;
  readonly seed: number | string;
  /** default `demo` */
  readonly scenario?: string;
  /** replaces the scenario's releases (virtual seconds, image) */
  readonly releases?: Scenario['releases'];
  /** `auto`: use the prometheus binary when found */
  readonly prometheus: 'auto' | 'off';
  readonly logger: Logger;
  /** the person the dashboard's one-time token belongs to */
  readonly operator: string;
  readonly manifests: TargetManifests;
  /** agent port; default 0 (free port) */
  readonly port?: number;
  /** policy overrides by target name (e.g. the browser test pins `flagger` for checkout) */
  readonly policies?: Readonly<Record<string, string>>;
  /** called with each line worth telling the user */
  readonly say?: (line: string) => void;
}

export interface DemoStack {
  readonly agent: RunningAgent;
  readonly sim: SimRuntime;
  readonly git: EmbeddedGitServer;
  readonly repoUrl: string;
  readonly repoPath: string;
  readonly dir: string;
  /** the one-time login token of the dashboard link */
  readonly token: string;
  readonly dashboardUrl: string;
  readonly metricsDescription: string;
  readonly prometheus?: PrometheusProcess;
  readonly config: MaestroConfig;
  readonly speed: number;
  readonly scenario: string;
  readonly releasesDone: ReadonlyArray<{
    readonly atSeconds: number;
    readonly image: string;
    readonly sha: string;
  }>;
  stop(): Promise<void>;
}

const AGENT_IN_CLUSTER = /^https?:\/\/maestro\.maestro-system\.svc(?::\d+)?/;
const CI: Person = { name: 'ci', email: 'ci@maestro.local' };

export async function startDemo(o: DemoOptions): Promise<DemoStack> {
  const say = o.say ?? (() => undefined);
  const speed = o.speed;
  if (!(speed > 0 && speed <= 1000)) {
    throw new MaestroError('INPUT_INVALID', '--speed must be within (0, 1000]', {
      data: { field: 'speed', value: speed },
    });
  }
  const scenario = getScenario(o.scenario ?? 'demo');
  const dir = await mkdtemp(join(tmpdir(), 'maestro-demo-'));
  const token = randomBytes(24).toString('base64url');
  const gateSecret = randomBytes(24).toString('base64url');
  const redactor = createRedactor([token, gateSecret]);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const git = await EmbeddedGitServer.start({ root: join(dir, 'git') });
    stops.push(() => git.close());
    const repo = await git.createRepo('config.git', loadTemplateFiles(), {
      message: 'initial config (gitops-repo-template)',
    });
    say(`Config repo: ${repo.url} (bare repo at ${repo.path})`);

    const config = demoConfig(repo.url, o.policies ?? {}, say);
    // the webhook URL is only known once the agent listens: bind late
    let agentUrl = '';
    const post = httpWebhookCaller(10_000);
    const callWebhook: WebhookCaller = (url, payload) => {
      if (!agentUrl) return Promise.resolve({ status: 503 });
      // what Flux's postBuild substitution and the cluster's DNS do for the real agent
      const metadata = payload.metadata
        ? Object.fromEntries(
            Object.entries(payload.metadata).map(([k, v]) => [
              k,
              v.replace('${MAESTRO_GATE_SECRET}', gateSecret),
            ]),
          )
        : undefined;
      return post(url.replace(AGENT_IN_CLUSTER, agentUrl), { ...payload, ...(metadata ? { metadata } : {}) });
    };
    const simSession = new GitRepoSession({
      url: repo.url,
      branch: 'main',
      dir: join(dir, 'sim-git'),
      author: { name: 'flux', email: 'flux@maestro.local' },
      random: Math.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const sim = new SimRuntime({
      scenario,
      seed: o.seed,
      source: simSession,
      branch: 'main',
      path: 'apps',
      speed,
      callWebhook,
    });
    await sim.start();
    stops.push(() => sim.stop());
    const clock = new SimClock(sim, speed);
    say(`Simulator: ${sim.url} (scenario ${scenario.name}, speed ${speed}x, seed ${o.seed})`);

    let metrics: MetricsSource;
    let metricsDescription: string;
    let prometheus: PrometheusProcess | undefined;
    const binary = o.prometheus === 'auto' ? findPrometheus() : undefined;
    if (binary) {
      prometheus = await startPrometheus({
        binary,
        target: sim.url.replace(/^http:\/\//, ''),
        dir: join(dir, 'prometheus'),
        speed,
      });
      stops.push(() => prometheus!.stop());
      const windowS = Math.max(6 * prometheus.scrapeIntervalSeconds, Math.round(60 / speed));
      const source = new PrometheusMetricsSource(
        new PrometheusClient({ url: prometheus.url, timeoutMs: 5000 }),
        {
          stalenessSeconds: Math.max(
            config.prometheus.stalenessSeconds / speed,
            3 * prometheus.scrapeIntervalSeconds,
          ),
          rateWindow: `${windowS}s`,
          sampleWindowSeconds: Math.max(60, Math.round(600 / speed)),
          // the judge's points and the per-step counts are rates over one step each: two scrapes
          // per step (a window holding one scrape has no rate; with one scrape per step every point
          // was empty)
          sampleStepSeconds: 2 * prometheus.scrapeIntervalSeconds,
        },
      );
      metrics = timeScaledMetrics(source, speed);
      metricsDescription = `Prometheus at ${prometheus.url} (scraping the simulator every ${prometheus.scrapeIntervalSeconds}s)`;
    } else {
      metrics = simDirectMetrics(sim);
      metricsDescription = 'simulator (read directly: no prometheus binary found)';
    }
    say(`Metrics: ${metricsDescription}`);

    const agentSession = new GitRepoSession({
      url: repo.url,
      branch: 'main',
      dir: join(dir, 'agent-git'),
      author: config.git.author,
      random: Math.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: () => clock.now(),
      redactor,
    });
    const agent = await startAgent({
      config,
      repo: agentSession,
      history: gitHistorySource(agentSession),
      metrics,
      metricsDescription,
      manifests: o.manifests,
      clock,
      // the printed link's token opens one dashboard session (POST /api/session), nothing else
      tokens: [{ token, user: o.operator, email: emailFor(o.operator), role: 'operator', oneTime: true }],
      gateSecret,
      redactor,
      logger: o.logger,
      repoUrl: repo.url,
      describeCommit: (sha) => describeCommit(repo.path, sha),
      port: o.port ?? 0,
    });
    stops.push(() => agent.stop());
    agentUrl = agent.server.url;

    const releasesDone: Array<{ atSeconds: number; image: string; sha: string }> = [];
    const releases = [...(o.releases ?? scenario.releases)].sort((a, b) => a.atSeconds - b.atSeconds);
    const ciSession = new GitRepoSession({
      url: repo.url,
      branch: 'main',
      dir: join(dir, 'ci-git'),
      author: CI,
      random: Math.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: () => clock.now(),
    });
    let releasing = false;
    const releaseTimer = setInterval(() => {
      const next = releases[releasesDone.length];
      if (releasing || !next || sim.now < next.atSeconds) return;
      releasing = true;
      releaseImage(ciSession, 'apps/checkout/deployment.yaml', next.image)
        .then((sha) => {
          releasesDone.push({ ...next, sha });
          say(`Release: ci committed checkout image ${next.image} (${sha.slice(0, 7)})`);
        })
        .catch((e: unknown) => {
          releasesDone.push({ ...next, sha: '' });
          say(`Release ${next.image} failed: ${(e as Error).message}`);
        })
        .finally(() => (releasing = false));
    }, 200);
    stops.push(async () => clearInterval(releaseTimer));

    return {
      agent,
      sim,
      git,
      repoUrl: repo.url,
      repoPath: repo.path,
      dir,
      token,
      dashboardUrl: `${agent.server.url}/#token=${token}`,
      metricsDescription,
      ...(prometheus ? { prometheus } : {}),
      config,
      speed,
      scenario: scenario.name,
      releasesDone,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** examples/maestro.yaml pointed at the embedded repo; a missing ONNX model falls back to its baseline. */
export function demoConfig(
  repoUrl: string,
  policies: Readonly<Record<string, string>>,
  say: (l: string) => void,
): MaestroConfig {
  const file = join(findPackageRoot(), 'examples', 'maestro.yaml');
  const r = parseConfigText(readFileSync(file, 'utf8'), file);
  if (!r.ok) {
    throw new MaestroError(
      'CONFIG_INVALID',
      `${file} is not valid: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  }
  const base = r.config;
  return {
    ...base,
    git: { ...base.git, url: repoUrl, tokenEnv: undefined, shadow: false, pushMode: 'direct' },
    server: { ...base.server, tokens: [], gateSecretEnv: undefined },
    targets: base.targets.map((t) => {
      let policy = policies[t.name] ?? t.policy;
      if (policy?.startsWith('onnx:') && !existsSync(join(findPackageRoot(), policy.slice('onnx:'.length)))) {
        const fallback = t.fallback ?? 'hpa';
        say(`Policy: ${t.name} is configured with ${policy}, which is not built yet; using ${fallback}`);
        policy = fallback;
      }
      return { ...t, ...(policy ? { policy } : {}) };
    }),
  };
}

/** The demo's CI: a release is a new image tag in the Deployment's pod template, as a commit. */
async function releaseImage(session: GitRepoSession, file: string, image: string): Promise<string> {
  const outcome = await session.commit(async (snap) => {
    const text = await snap.readFile(file);
    if (text === undefined)
      throw new MaestroError('MANIFEST_TARGET_NOT_FOUND', `${file} is missing`, { data: { file } });
    const doc = parseDocument(text);
    const path = ['spec', 'template', 'spec', 'containers', 0, 'image'];
    if (doc.getIn(path) === image) return null;
    doc.setIn(path, image);
    return {
      files: [{ path: file, content: doc.toString() }],
      message: `release checkout ${image}\n`,
      author: CI,
    };
  });
  return outcome.kind === 'committed' ? outcome.sha : outcome.head;
}

/** One commit of the bare repo, for the dashboard's commit links (read with the git binary). */
export async function describeCommit(repoPath: string, sha: string): Promise<CommitDetails | undefined> {
  if (!/^[0-9a-f]{7,40}$/.test(sha)) return undefined;
  try {
    const { stdout } = await run('git', [
      '-C',
      repoPath,
      'show',
      '-s',
      '--format=%H%n%an <%ae>%n%ct%n%B',
      sha,
    ]);
    const [full, author, ct, ...message] = stdout.split('\n');
    const files = await run('git', ['-C', repoPath, 'diff-tree', '--no-commit-id', '--name-only', '-r', sha]);
    return {
      sha: full ?? sha,
      author: author ?? '',
      at: Number(ct) * 1000,
      message: message.join('\n').trim(),
      files: files.stdout.split('\n').filter(Boolean),
    };
  } catch {
    return undefined;
  }
}
