import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { GitRepoSession } from '../../adapters/git/repo-session';
import { PrometheusMetricsSource } from '../../adapters/prometheus/metrics-source';
import { PrometheusClient } from '../../adapters/prometheus/prometheus-client';
import { loadConfig } from '../../config/load-config';
import { MaestroError } from '../../core/errors';
import { createRedactor } from '../../core/redact';
import { createLogger } from '../../server/logger';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_OK } from '../exit-codes';
import { resolveTokens } from '../wiring/dashboard-tokens';
import { gitHistorySource } from '../wiring/history-source';
import { pushModeFor } from '../wiring/push-mode';
import { startAgent } from '../wiring/start-agent';
import { yamlTargetManifests } from '../wiring/target-manifests';

/**
 * `maestro run --config FILE`: the agent in production — a Flux config repo over HTTP(S), a real
 * Prometheus, the dashboard/API/gates on `server.host:port`. Runs until SIGINT/SIGTERM, then
 * finishes the cycle in flight and exits 0. Config problems exit 2 before anything starts.
 */
interface RunFlags {
  config: string;
  stateDir?: string;
  logLevel: string;
}

export function registerRun(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('run')
    .description('run the agent against a real Flux config repo and Prometheus (--config FILE)')
    .requiredOption('-c, --config <file>', 'agent config file (YAML or JSON)')
    .option(
      '--state-dir <dir>',
      'where the local git object store lives (default: a folder under the OS temp dir)',
    )
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (flags: RunFlags) => {
      const config = loadConfig(flags.config);
      const env = io.env;
      const gitToken = config.git.tokenEnv ? env[config.git.tokenEnv] : undefined;
      if (config.git.tokenEnv && !gitToken) {
        throw new MaestroError(
          'CONFIG_INVALID',
          `git.tokenEnv: environment variable ${config.git.tokenEnv} is not set`,
        );
      }
      const gateSecret = config.server.gateSecretEnv ? env[config.server.gateSecretEnv] : undefined;
      if (config.server.gateSecretEnv && !gateSecret) {
        throw new MaestroError(
          'CONFIG_INVALID',
          `server.gateSecretEnv: environment variable ${config.server.gateSecretEnv} is not set`,
        );
      }
      const tokens = resolveTokens(config, env);
      if (tokens.length === 0) {
        io.stderr.write(
          'maestro run: no server.tokens configured: the API and dashboard refuse every request\n',
        );
      }
      const redactor = createRedactor([gitToken, gateSecret, ...tokens.map((t) => t.token)]);
      const logger = createLogger(redactor, { level: flags.logLevel });
      const stateDir =
        flags.stateDir ??
        join(tmpdir(), `maestro-${createHash('sha256').update(config.git.url).digest('hex').slice(0, 12)}`);
      const session = new GitRepoSession({
        url: config.git.url,
        branch: config.git.branch,
        dir: stateDir,
        ...(gitToken ? { token: gitToken } : {}),
        author: config.git.author,
        pushMode: pushModeFor(config, gitToken, redactor),
        random: Math.random,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        redactor,
        onEvent: (e) => logger.debug({ git: e }, `git ${e.type}`),
      });
      const metrics = new PrometheusMetricsSource(
        new PrometheusClient({ url: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs }),
        {
          stalenessSeconds: config.prometheus.stalenessSeconds,
          queries: Object.fromEntries(config.targets.map((t) => [t.name, t.queries])),
        },
      );
      const agent = await startAgent({
        config,
        repo: session,
        history: gitHistorySource(session),
        metrics,
        metricsDescription: `Prometheus at ${redactor.redact(config.prometheus.url)}`,
        manifests: yamlTargetManifests(),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        tokens,
        ...(gateSecret ? { gateSecret } : {}),
        redactor,
        logger,
        repoUrl: redactor.redact(config.git.url),
        baseDir: dirname(resolve(io.cwd, flags.config)),
        ...(config.git.github ? { commitUrl: githubCommitUrl(config.git.github) } : {}),
      });
      io.stdout.write(`maestro: agent running; dashboard and API at ${agent.server.url}\n`);
      if (agent.leadership) {
        io.stdout.write(
          `maestro: several replicas: acts only while holding ${agent.electorDescription ?? 'the lease'} as ${agent.leadership().identity} (lease ${config.ha.leaseSeconds}s)\n`,
        );
      }
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      logger.info({ signal }, 'stopping');
      await agent.stop();
      exit.code = EXIT_OK;
    });
}

/** Links to commits on GitHub (github.com, or GitHub Enterprise whose API lives under /api/v3). */
export function githubCommitUrl(gh: {
  owner: string;
  repo: string;
  apiUrl: string;
}): (sha: string) => string {
  const api = gh.apiUrl.replace(/\/+$/, '');
  const web = api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3$/, '');
  return (sha) => `${web}/${gh.owner}/${gh.repo}/commit/${sha}`;
}
