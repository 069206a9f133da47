import { Octokit } from '@octokit/rest';
import { MaestroError } from '../../core/errors';
import type { PullRequestInfo, PullRequestRequest, PullRequests } from '../../core/ports';
import { createRedactor, type Redactor } from '../../core/redact';

/**
 * Pull-request mode over GitHub's REST API (@octokit/rest): opens the PR for a pushed branch, or
 * updates the title and body of the open one. Three endpoints are used, all documented at
 * https://docs.github.com/rest/pulls/pulls :
 *
 * - `GET /repos/{owner}/{repo}/pulls?head={owner}:{branch}&base={base}&state=open` — is one open?
 * - `PATCH /repos/{owner}/{repo}/pulls/{number}` — update it;
 * - `POST /repos/{owner}/{repo}/pulls` — open it. A 422 here means another writer opened it in the
 *   meantime: look it up again and update that one.
 *
 * Errors are MaestroError GITHUB_API: retryable for 5xx, 429 and network failures; terminal for
 * 401/403 (the token), 404 (owner/repo) and other 4xx. Messages are redacted.
 */
export interface GitHubPullRequestsOptions {
  readonly owner: string;
  readonly repo: string;
  /** REST base URL; `https://api.github.com` or GitHub Enterprise's `https://host/api/v3` */
  readonly apiUrl: string;
  readonly token?: string;
  readonly redactor?: Redactor;
  /** per request (ms); default 15000 */
  readonly timeoutMs?: number;
}

export class GitHubPullRequests implements PullRequests {
  private readonly octokit: Octokit;
  private readonly redactor: Redactor;

  constructor(private readonly options: GitHubPullRequestsOptions) {
    this.redactor = options.redactor ?? createRedactor([options.token]);
    this.octokit = new Octokit({
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      userAgent: 'maestro-gitops-agent',
      ...(options.token ? { auth: options.token } : {}),
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  async openOrUpdate(request: PullRequestRequest): Promise<PullRequestInfo> {
    const existing = await this.findOpen(request);
    if (existing !== undefined) return this.update(existing, request);
    try {
      const r = await this.octokit.rest.pulls.create({
        owner: this.options.owner,
        repo: this.options.repo,
        head: request.head,
        base: request.base,
        title: request.title,
        body: request.body,
        request: this.requestOptions(),
      });
      return { number: r.data.number, url: r.data.html_url, created: true };
    } catch (e) {
      if (status(e) === 422) {
        const raced = await this.findOpen(request);
        if (raced !== undefined) return this.update(raced, request);
      }
      throw this.wrap(e, 'open a pull request');
    }
  }

  private async findOpen(request: PullRequestRequest): Promise<number | undefined> {
    try {
      const r = await this.octokit.rest.pulls.list({
        owner: this.options.owner,
        repo: this.options.repo,
        head: `${this.options.owner}:${request.head}`,
        base: request.base,
        state: 'open',
        per_page: 1,
        request: this.requestOptions(),
      });
      return r.data[0]?.number;
    } catch (e) {
      throw this.wrap(e, 'list pull requests');
    }
  }

  private async update(number: number, request: PullRequestRequest): Promise<PullRequestInfo> {
    try {
      const r = await this.octokit.rest.pulls.update({
        owner: this.options.owner,
        repo: this.options.repo,
        pull_number: number,
        title: request.title,
        body: request.body,
        request: this.requestOptions(),
      });
      return { number: r.data.number, url: r.data.html_url, created: false };
    } catch (e) {
      throw this.wrap(e, `update pull request #${number}`);
    }
  }

  private requestOptions(): { signal: AbortSignal } {
    return { signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) };
  }

  private wrap(e: unknown, what: string): MaestroError {
    const code = status(e);
    const raw = e instanceof Error ? e.message : String(e);
    const message = this.redactor.redact(raw);
    const retryable = code === undefined || code >= 500 || code === 429;
    const hint =
      code === 401 || code === 403
        ? ': check the token in git.tokenEnv (it needs pull-request write access)'
        : code === 404
          ? `: check git.github.owner/repo (${this.options.owner}/${this.options.repo})`
          : '';
    return new MaestroError(
      'GITHUB_API',
      `GitHub API: cannot ${what}${code ? ` (HTTP ${code})` : ''}: ${message}${hint}`,
      {
        data: { status: code, apiUrl: this.redactor.redact(this.options.apiUrl) },
        cause: this.redactor.redact(raw),
        retryable,
      },
    );
  }
}

function status(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' && s > 0 ? s : undefined;
}
