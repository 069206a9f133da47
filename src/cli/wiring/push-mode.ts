import { GitHubPullRequests } from '../../adapters/github/pull-requests';
import type { PushMode } from '../../adapters/git/repo-session';
import type { MaestroConfig } from '../../config/schema';
import { MaestroError } from '../../core/errors';
import type { Redactor } from '../../core/redact';

/**
 * How commits reach the repo (`git.pushMode`): straight to the branch Flux follows, or as a pull
 * request per decision through the GitHub API (the git token doubles as the API token).
 */
export function pushModeFor(config: MaestroConfig, token: string | undefined, redactor: Redactor): PushMode {
  if (config.git.pushMode !== 'pull-request') return { kind: 'direct' };
  const gh = config.git.github;
  if (!gh) throw new MaestroError('CONFIG_INVALID', 'git.github: required when pushMode is pull-request');
  return {
    kind: 'pull-request',
    pullRequests: new GitHubPullRequests({
      owner: gh.owner,
      repo: gh.repo,
      apiUrl: gh.apiUrl,
      ...(token ? { token } : {}),
      redactor,
    }),
  };
}
