import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pushModeFor } from '../wiring/push-mode';
import { GitRepoSession } from '../../adapters/git/repo-session';
import { loadConfig } from '../../config/load-config';
import type { MaestroConfig } from '../../config/schema';
import { formatOverrideCommit, formatPerson, parsePerson } from '../../core/commit-message';
import { MaestroError, isMaestroError, type ErrorCode } from '../../core/errors';
import type { CommitOutcome, CommitPlanner, Person } from '../../core/ports';
import { createRedactor, type Redactor } from '../../core/redact';
import {
  globalPausePlanner,
  overrideEdit,
  overridePlanner,
  type CommittedOverride,
} from '../../loop/override-plan';
import type { CommitMessages, LoopTarget } from '../../loop/ports';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK } from '../exit-codes';
import { loopTarget } from '../wiring/loop-targets';
import { pauseDocument } from '../wiring/pause-document';
import { yamlTargetManifests } from '../wiring/target-manifests';

/**
 * `maestro override <target> replicas <n> | promote | rollback | pause | resume --config FILE
 * [--as "Name <email>"]`: a person's override from the command line, as the same commit the
 * dashboard makes (src/loop/override-plan.ts: same edit, same message, same attribution). The
 * person is the commit's author, the agent (`git.author`) its committer, and the message carries
 * `Maestro-Override: Name <email>` with the other `Maestro-*` trailers. Prints the commit sha.
 *
 * - `replicas <n>`: deployment-replicas → `spec.replicas: n`; hpa-bounds → `spec.minReplicas: n`
 *   (maxReplicas raised to n if below). n must lie within the target's minReplicas..maxReplicas.
 * - `pause` / `resume`: the `maestro.dev/paused` annotation on the target's object, so the pause is
 *   in git, survives restarts, and the running agent reads it on its next cycle. Target `*`: all
 *   targets, through the pause file `git.pauseFile` (src/manifests/pause-document.ts), the same
 *   commit as the dashboard's pause-all.
 * - `promote` (flagger-canary): `skipAnalysis: true` — Flagger promotes on its next tick; the agent
 *   resets it once the release has succeeded.
 * - `rollback` (flagger-canary): a rollback is answered through the agent's gate for the checksum
 *   under analysis, which only the running agent knows; so the CLI asks the running agent
 *   (`POST <agent>/api/targets/<target>/override`, operator token from $MAESTRO_TOKEN). The
 *   agent then commits the pod-template revert after Flagger has rolled back.
 *
 * Who: `--as "Name <email>"`, else $MAESTRO_USER in the same form. There is no fallback identity:
 * an override without a named person would break the audit trail, so it is refused (exit 2).
 *
 * Exit codes: 0 done (or nothing to change), 2 bad input (config, unknown target, a verb the
 * target's kind does not have, replicas out of bounds, missing/invalid identity), 1 the push or
 * the agent failed.
 */
const VERBS = ['replicas', 'promote', 'rollback', 'pause', 'resume'] as const;
type Verb = (typeof VERBS)[number];

interface OverrideFlags {
  config: string;
  as?: string;
  reason?: string;
  stateDir?: string;
  agent?: string;
}

/** Codes that mean "fix your input" (exit 2); anything else failed on the way (exit 1). */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'INPUT_INVALID',
  'YAML_PARSE',
  'MANIFEST_TARGET_NOT_FOUND',
  'MANIFEST_TARGET_AMBIGUOUS',
  'MANIFEST_FIELD_MISSING',
  'MANIFEST_SCHEMA_INVALID',
]);

export function registerOverride(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('override')
    .description('human override as a commit: <target> replicas <n> | promote | rollback | pause | resume')
    .argument('<target>', "target name from the config, or '*' (pause/resume all targets)")
    .argument('<action>', VERBS.join(' | '))
    .argument('[count]', 'replica count (replicas only)')
    .requiredOption('-c, --config <file>', 'agent config file (YAML or JSON)')
    .option('--as <person>', 'who is overriding, "Name <email>" (default: $MAESTRO_USER)')
    .option('--reason <text>', 'why; recorded in the commit message')
    .option('--state-dir <dir>', 'local git object store (default: a temp dir, removed afterwards)')
    .option('--agent <url>', 'rollback only: the running agent (default: http://<server.host>:<server.port>)')
    .action(async (targetName: string, verb: string, count: string | undefined, flags: OverrideFlags) => {
      try {
        const line = await runOverride(targetName, verb, count, flags, io);
        io.stderr.write(`${line}\n`);
        exit.code = EXIT_OK;
      } catch (e) {
        if (!isMaestroError(e)) throw e;
        io.stderr.write(`maestro override: ${e.message}\n`);
        exit.code = INPUT_CODES.has(e.code) ? EXIT_INVALID : EXIT_FAILURE;
      }
    });
}

async function runOverride(
  targetName: string,
  verbText: string,
  count: string | undefined,
  flags: OverrideFlags,
  io: CommandIo,
): Promise<string> {
  const config = loadConfig(flags.config);
  const by = resolvePerson(flags.as, io.env);
  if (targetName === '*') return pauseAll(config, verbText, count, by, flags, io);
  const t = config.targets.find((x) => x.name === targetName);
  if (!t) {
    throw invalid(
      `unknown target ${JSON.stringify(targetName)}; the config has ${config.targets.map((x) => x.name).join(', ')}`,
    );
  }
  if (!(VERBS as readonly string[]).includes(verbText)) {
    throw invalid(`unknown action ${JSON.stringify(verbText)}; use one of ${VERBS.join(', ')}`);
  }
  const verb = verbText as Verb;
  let replicas: number | undefined;
  if (verb === 'replicas') {
    if (count === undefined || !/^\d+$/.test(count))
      throw invalid('replicas needs a whole number, e.g. `replicas 5`');
    replicas = Number(count);
  } else if (count !== undefined) {
    throw invalid(`${verb} takes no count (got ${JSON.stringify(count)})`);
  }
  const target = loopTarget(t, config.git.pathPrefix, config.prometheus.stalenessSeconds);
  if (verb === 'rollback') return requestRollback(config, target, by, flags, io);

  const request = { action: verb as CommittedOverride, ...(replicas !== undefined ? { replicas } : {}) };
  // checks the verb against the target's kind and bounds before anything is fetched
  overrideEdit(target, request, by.name);
  const id = overrideId();
  const outcome = await commitThroughGit(config, flags, io, (redactor) =>
    overrideCommitPlanner(target, request, by, config.git.author, flags.reason, id, redactor),
  );
  if (outcome.kind === 'no-change') {
    return `${target.ref.name}: nothing to change (${verb} is already in effect at ${outcome.head.slice(0, 7)})`;
  }
  const pr = outcome.pullRequestUrl ? `; pull request ${outcome.pullRequestUrl}` : '';
  return `${target.ref.name}: ${verb}${replicas !== undefined ? ` ${replicas}` : ''} committed as ${outcome.sha.slice(0, 7)} by ${formatPerson(by)}${pr}`;
}

function overrideId(): string {
  return `o-${new Date().toISOString().replace(/[-:]|\.\d+Z$/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** `maestro override '*' pause|resume`: the pause file, as the dashboard's pause-all commits it. */
async function pauseAll(
  config: MaestroConfig,
  verb: string,
  count: string | undefined,
  by: Person,
  flags: OverrideFlags,
  io: CommandIo,
): Promise<string> {
  if (verb !== 'pause' && verb !== 'resume') {
    throw invalid(`target '*' (all targets) takes pause or resume, not ${JSON.stringify(verb)}`);
  }
  if (count !== undefined) throw invalid(`${verb} takes no count (got ${JSON.stringify(count)})`);
  const id = overrideId();
  const outcome = await commitThroughGit(config, flags, io, (redactor) =>
    globalPausePlanner({
      doc: pauseDocument(config.git.pauseFile),
      paused: verb === 'pause',
      by,
      atMs: Date.now(),
      ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
      messages: overrideMessages(id, redactor),
    }),
  );
  if (outcome.kind === 'no-change') {
    return `*: nothing to change (all targets are already ${verb}d at ${outcome.head.slice(0, 7)})`;
  }
  const pr = outcome.pullRequestUrl ? `; pull request ${outcome.pullRequestUrl}` : '';
  return `*: ${verb} all targets committed as ${outcome.sha.slice(0, 7)} (${config.git.pauseFile}) by ${formatPerson(by)}${pr}`;
}

/**
 * One commit through a session of its own (a temp dir unless --state-dir); prints the sha. Refused
 * for a shadow config and without the token the config names.
 */
async function commitThroughGit(
  config: MaestroConfig,
  flags: OverrideFlags,
  io: CommandIo,
  planner: (redactor: Redactor) => CommitPlanner,
): Promise<CommitOutcome> {
  if (config.git.shadow) {
    throw invalid(
      'git.shadow is true: this config never pushes; set git.shadow: false to override through git',
    );
  }
  const token = config.git.tokenEnv ? io.env[config.git.tokenEnv] : undefined;
  if (config.git.tokenEnv && !token) {
    throw new MaestroError(
      'CONFIG_INVALID',
      `git.tokenEnv: environment variable ${config.git.tokenEnv} is not set`,
    );
  }
  const redactor = createRedactor([token]);
  const dir = flags.stateDir ?? (await mkdtemp(join(tmpdir(), 'maestro-override-')));
  try {
    const session = new GitRepoSession({
      url: config.git.url,
      branch: config.git.branch,
      dir,
      ...(token ? { token } : {}),
      author: config.git.author,
      pushMode: pushModeFor(config, token, redactor),
      random: Math.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      redactor,
    });
    const outcome = await session.commit(planner(redactor));
    if (outcome.kind === 'committed') io.stdout.write(`${outcome.sha}\n`);
    return outcome;
  } finally {
    if (flags.stateDir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Override commit messages: trailers with the override's id, secrets redacted. */
function overrideMessages(decisionId: string, redactor: Redactor): CommitMessages {
  return {
    forDecisions: () => {
      throw new MaestroError('INTERNAL', 'an override commit carries no policy decisions');
    },
    forOverride: (o) => formatOverrideCommit({ ...o, decisionId }, { redact: redactor.redact }),
  };
}

/** The planner: the shared override plan, decided again on every attempt's fresh content. */
function overrideCommitPlanner(
  target: LoopTarget,
  request: { readonly action: CommittedOverride; readonly replicas?: number },
  by: Person,
  agent: Person,
  reason: string | undefined,
  decisionId: string,
  redactor: Redactor,
): CommitPlanner {
  const manifests = yamlTargetManifests();
  const messages = overrideMessages(decisionId, redactor);
  return async (snapshot, attempt) => {
    const text = await snapshot.readFile(target.ref.file);
    // hpa-bounds keeps the HPA's current ceiling unless the new floor is above it
    const declaredMax = text === undefined ? undefined : manifests.read(target.ref, text).maxReplicas;
    const plan = overrideEdit(target, request, by.name, declaredMax);
    return overridePlanner({
      target,
      plan,
      by,
      agent,
      ...(reason !== undefined ? { reason } : {}),
      manifests,
      messages,
    })(snapshot, attempt);
  };
}

/** `--as`, else $MAESTRO_USER; both `Name <email>`. No default: an override names a person. */
export function resolvePerson(as: string | undefined, env: NodeJS.ProcessEnv): Person {
  const text = as ?? env.MAESTRO_USER;
  if (text === undefined || text.trim() === '') {
    throw invalid('who is overriding? pass --as "Name <email>" or set MAESTRO_USER="Name <email>"');
  }
  const p = parsePerson(text);
  if (!p)
    throw invalid(
      `${as !== undefined ? '--as' : 'MAESTRO_USER'} must look like "Ann Smith <ann@example.com>", got ${JSON.stringify(text)}`,
    );
  return p;
}

/**
 * A forced rollback through the running agent's API (the agent answers Flagger's rollback gate for
 * the release under analysis). The operator token comes from $MAESTRO_TOKEN; the agent records the
 * token's user as the person.
 */
async function requestRollback(
  config: MaestroConfig,
  target: LoopTarget,
  by: Person,
  flags: OverrideFlags,
  io: CommandIo,
): Promise<string> {
  if (target.ref.kind !== 'flagger-canary')
    throw invalid(`${target.ref.name} is not a canary target: rollback needs a flagger-canary`);
  const token = io.env.MAESTRO_TOKEN;
  const redactor = createRedactor([token]);
  const base = (flags.agent ?? `http://${config.server.host}:${config.server.port}`).replace(/\/+$/, '');
  const url = `${base}/api/targets/${encodeURIComponent(target.ref.name)}/override`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({
        action: 'rollback',
        reason: flags.reason ?? `requested by ${formatPerson(by)} with maestro override`,
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new MaestroError(
      'GIT_NETWORK',
      `cannot reach the running agent at ${redactor.redact(base)} (${redactor.redact((e as Error).message)}): a forced rollback acts through the agent's gate; start the agent or pass --agent URL`,
      { retryable: true },
    );
  }
  const body = (await res.json().catch(() => ({}))) as { message?: unknown; error?: { message?: unknown } };
  const text = redactor.redact(String(body.message ?? body.error?.message ?? res.statusText));
  if (res.ok) return `${target.ref.name}: ${text}`;
  if (res.status === 401 || res.status === 403) {
    throw new MaestroError(
      'AUTH_REQUIRED',
      `the agent refused the rollback (HTTP ${res.status}): set MAESTRO_TOKEN to an operator token`,
      { retryable: false },
    );
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 429) {
    throw invalid(`the agent refused the rollback (HTTP ${res.status}): ${text}`);
  }
  throw new MaestroError('TIMEOUT', `the agent failed the rollback (HTTP ${res.status}): ${text}`, {
    retryable: true,
  });
}

function invalid(message: string): MaestroError {
  return new MaestroError('INPUT_INVALID', message);
}
