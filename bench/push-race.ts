/**
 * Push races: N people commit to the config repo at the same time as the agent's control loop
 * (assembled as in production, bench/lib/bench-agent.ts) commits a scale-up every cycle, all through
 * the embedded git HTTP server. Each person is a GitRepoSession (an editor/bot pushing over HTTP
 * with the same retry policy as the agent) appending a note line to the very file the agent edits,
 * so every race is a real conflict on the same file that must be re-planned on fresh content.
 *
 * Lost commits: after the run, every commit anyone was told had landed must be an ancestor of the
 * branch head (the real `git merge-base --is-ancestor`), and every person's note line must be in the
 * final file. Retries: push attempts beyond the first. Push latency: plan + commit + push until the
 * push landed (CommitOutcome.durationMs), per commit.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedGitServer } from '../src/adapters/git/embedded-git-server';
import { GitRepoSession } from '../src/adapters/git/repo-session';
import type { DecisionView } from '../src/loop/events';
import { buildLoop, configFor, deploymentFiles, serviceName } from './lib/bench-agent';
import { distribution, isQuick, printTable, writeResults, type Distribution } from './lib/report';
import { SyntheticCluster } from './lib/synthetic-cluster';

const git = promisify(execFile);

interface RaceResult {
  readonly writers: number;
  readonly agentCycles: number;
  readonly agentCommits: number;
  readonly humanCommits: number;
  /** commits reported as landed that are not in the branch history, or notes missing from the file */
  readonly lostCommits: number;
  readonly agentRetries: number;
  readonly humanRetries: number;
  /** commits given up after the retry budget (reported as errors, not lost) */
  readonly gaveUp: number;
  readonly agentPushMs: Distribution;
  readonly humanPushMs: Distribution;
  readonly seconds: number;
}

async function race(writers: number, agentCycles: number): Promise<RaceResult> {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-bench-race-'));
  const server = await EmbeddedGitServer.start({ root: join(dir, 'git') });
  try {
    const repo = await server.createRepo('config.git', deploymentFiles(1), { message: 'bench repo' });
    const config = configFor(repo.url, 1);
    const name = serviceName(1);
    const file = `apps/${name}/deployment.yaml`;
    const cluster = new SyntheticCluster([
      { namespace: 'shop', name, replicas: 3, cpuUtilization: 0.95, rps: 50, latencySeconds: 0.04 },
    ]);
    const { loop, session } = buildLoop(config, cluster.directSource(), 'direct', join(dir, 'agent'));
    await session.snapshot();
    await loop.restore();
    const agentCommits: Array<{ sha: string; attempts: number; durationMs: number }> = [];
    let decisions: DecisionView[] = [];
    let gaveUp = 0;
    loop.state.subscribe((e) => {
      if (e.type === 'commit')
        agentCommits.push({
          sha: e.commit.sha,
          attempts: e.commit.attempts,
          durationMs: e.commit.durationMs,
        });
      else if (e.type === 'decision') decisions.push(e.decision);
      else if (e.type === 'error' && e.code.startsWith('GIT')) gaveUp++;
    });

    const humanCommits: Array<{ sha: string; attempts: number; durationMs: number; note: string }> = [];
    let agentDone = false;
    const person = async (k: number) => {
      const s = new GitRepoSession({
        url: repo.url,
        branch: 'main',
        dir: join(dir, `person-${k}`),
        author: { name: `person ${k}`, email: `person${k}@bench.local` },
        random: Math.random,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      });
      for (let n = 1; !agentDone; n++) {
        const note = `# person ${k} note ${n}`;
        try {
          const out = await s.commit(async (snap) => ({
            files: [{ path: file, content: `${(await snap.readFile(file))!}${note}\n` }],
            message: `person ${k}: note ${n}\n`,
          }));
          if (out.kind === 'committed')
            humanCommits.push({ sha: out.sha, attempts: out.attempts, durationMs: out.durationMs, note });
        } catch {
          gaveUp++;
        }
      }
    };

    const started = performance.now();
    const people = Array.from({ length: writers }, (_, k) => person(k + 1));
    for (let i = 0; i < agentCycles; i++) {
      decisions = [];
      const before = agentCommits.length;
      await loop.runCycle();
      // instant Flux for the agent's change, as in bench/loop
      const commit = agentCommits[before];
      if (commit) {
        const d = decisions.find((x) => x.pushed && x.finalAction.type === 'replicas');
        const delta = d?.finalAction.type === 'replicas' ? d.finalAction.delta : 0;
        cluster.apply(new Map([[name, (cluster.replicasOf(name) ?? 0) + delta]]), commit.sha);
      }
    }
    agentDone = true;
    await Promise.all(people);
    const seconds = (performance.now() - started) / 1000;

    // verification against the server's bare repo with the real git CLI
    const head = (await git('git', ['-C', repo.path, 'rev-parse', 'refs/heads/main'])).stdout.trim();
    const finalText = (await git('git', ['-C', repo.path, 'show', `${head}:${file}`])).stdout;
    let lost = 0;
    for (const c of [...agentCommits, ...humanCommits]) {
      try {
        await git('git', ['-C', repo.path, 'merge-base', '--is-ancestor', c.sha, head]);
      } catch {
        lost++;
      }
    }
    for (const h of humanCommits) if (!finalText.includes(`${h.note}\n`)) lost++;
    const retries = (cs: ReadonlyArray<{ attempts: number }>) => cs.reduce((a, c) => a + c.attempts - 1, 0);
    return {
      writers,
      agentCycles,
      agentCommits: agentCommits.length,
      humanCommits: humanCommits.length,
      lostCommits: lost,
      agentRetries: retries(agentCommits),
      humanRetries: retries(humanCommits),
      gaveUp,
      agentPushMs: distribution(agentCommits.map((c) => c.durationMs)),
      humanPushMs: distribution(humanCommits.map((c) => c.durationMs)),
      seconds,
    };
  } finally {
    await server.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const quick = isQuick();
  const plan: Array<[number, number]> = quick
    ? [
        [1, 8],
        [4, 8],
      ]
    : [
        [1, 40],
        [4, 20],
        [8, 20],
      ];
  const results: RaceResult[] = [];
  for (const [writers, cycles] of plan) {
    results.push(await race(writers, cycles));
    process.stdout.write(`  ${writers} writer(s) done\n`);
  }
  process.stdout.write('\n');
  printTable(
    [
      'human writers',
      'agent commits',
      'human commits',
      'lost',
      'agent retries',
      'human retries',
      'gave up',
      'agent push p50 ms',
      'agent push p99 ms',
      'human push p50 ms',
      'human push p99 ms',
      'seconds',
    ],
    results.map((r) => [
      r.writers,
      r.agentCommits,
      r.humanCommits,
      r.lostCommits,
      r.agentRetries,
      r.humanRetries,
      r.gaveUp,
      r.agentPushMs.p50,
      r.agentPushMs.p99,
      r.humanPushMs.p50,
      r.humanPushMs.p99,
      r.seconds,
    ]),
  );
  const lost = results.reduce((a, r) => a + r.lostCommits, 0);
  process.stdout.write(`\ntarget 0 lost commits: ${lost === 0 ? 'met' : `NOT met (${lost} lost)`}\n`);
  writeResults('push-race', { results, lostCommits: lost });
  if (lost > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
