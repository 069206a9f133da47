import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { isMaestroError, type ErrorCode } from '../core/errors';
import type { Person } from '../core/ports';
import type { Redactor } from '../core/redact';
import type { AgentState } from '../loop/agent-state';
import type { OverrideRequest, OverrideResult } from '../loop/control-loop';
import { GATE_NAMES, type GateAnswer, type GateBook, type GateName } from '../loop/gate-book';
import { OverrideAudit } from '../loop/override-audit';
import type { AgentMetrics } from './agent-metrics';
import { allows, bearerToken, originAllowed, secretMatches, type Principal, type TokenBook } from './auth';
import {
  decisionsQuery,
  gatePayload,
  globalOverrideBody,
  issuesOf,
  limitQuery,
  overrideBody,
  overridesQuery,
  targetName,
} from './bodies';
import type { ErrorBody, Role } from './protocol';
import { TokenBuckets, type RateLimit } from './rate-limit';

/**
 * The agent's HTTP app: REST API, Flagger gate endpoints, /metrics, health, and the dashboard's
 * static files. Built without listening (tests run it in-process on port 0); the WS feed attaches
 * to the http.Server separately (./ws-hub.ts).
 */
export interface AgentControl {
  override(request: OverrideRequest, by: Person): Promise<OverrideResult>;
  readonly ready: boolean;
  readonly gates: GateBook;
  readonly shadow: boolean;
}

export interface CommitDetails {
  readonly sha: string;
  readonly author: string;
  readonly at: number;
  readonly message: string;
  readonly files: readonly string[];
}

export interface AppDeps {
  readonly state: AgentState;
  readonly control: AgentControl;
  readonly tokens: TokenBook;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly now: () => number;
  /** shared secret Flagger's webhooks present; gates refuse every call without it when set */
  readonly gateSecret?: string;
  readonly allowedOrigins?: readonly string[];
  /** per client (user or address); default 20/s, burst 60 */
  readonly rateLimit?: RateLimit;
  /** overrides per user; default 1/s, burst 10 */
  readonly overrideRateLimit?: RateLimit;
  /** WS client messages per connection; default 5/s, burst 20 */
  readonly wsClientRate?: RateLimit;
  /** dashboard/ folder; default <repo>/dashboard */
  readonly dashboardDir?: string;
  /** node_modules/uplot/dist */
  readonly uplotDir?: string;
  /** reads one commit of the config repo for the dashboard's commit links */
  readonly describeCommit?: (sha: string) => Promise<CommitDetails | undefined>;
  /**
   * The override audit trail (rebuilt from git on start, see src/loop/override-audit.ts); default:
   * only the overrides this app's state publishes from now on.
   */
  readonly overrides?: OverrideAudit;
  /** several replicas: this replica's leadership, shown in /api/status and /readyz */
  readonly leadership?: () => LeadershipView;
}

/** `ha` in /api/status and /readyz (README "Reliability → Several replicas"). */
export interface LeadershipView {
  readonly identity: string;
  readonly leader: boolean;
  /** the lease holder as last seen (this replica when leader) */
  readonly holder?: string;
  /** ms since epoch the lease last seen expires */
  readonly expiresAt?: number;
  readonly term?: number;
  /** why not leader */
  readonly reason?: string;
}

/** The header Flagger's webhooks carry the shared secret in (or metadata `gateSecret`). */
export const GATE_SECRET_HEADER = 'x-maestro-gate-secret';

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  INPUT_INVALID: 400,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MANIFEST_TARGET_NOT_FOUND: 409,
  MANIFEST_FIELD_MISSING: 409,
  MANIFEST_SCHEMA_INVALID: 409,
  YAML_PARSE: 409,
  GIT_NETWORK: 503,
  GIT_PUSH_REJECTED: 503,
  GIT_AUTH: 502,
  TIMEOUT: 504,
};

type Locals = { principal?: Principal };

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = deps.logger;
  const buckets = new TokenBuckets(deps.rateLimit ?? { perSecond: 20, burst: 60 }, deps.now);
  const overrideBuckets = new TokenBuckets(deps.overrideRateLimit ?? { perSecond: 1, burst: 10 }, deps.now);
  const dashboardDir = deps.dashboardDir ?? findDashboardDir(__dirname);
  const uplotDir = deps.uplotDir ?? join(require.resolve('uplot/package.json'), '..', 'dist');
  const audit = deps.overrides ?? liveOverrideAudit(deps.state);

  const fail = (
    res: Response,
    status: number,
    code: string,
    message: string,
    issues?: ErrorBody['error']['issues'],
  ) => {
    const body: ErrorBody = {
      error: { code, message: deps.redactor.redact(message), ...(issues ? { issues } : {}) },
    };
    res.status(status).json(body);
  };

  app.use((req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    );
    if (!originAllowed(req.headers.origin, req.headers.host, deps.allowedOrigins ?? [])) {
      fail(res, 403, 'FORBIDDEN', `origin ${String(req.headers.origin)} is not allowed`);
      return;
    }
    const token = bearerToken(req.headers.authorization);
    const principal = deps.tokens.lookup(token);
    (res.locals as Locals).principal = principal;
    const wait = buckets.take(principal?.user ?? `ip:${req.socket.remoteAddress ?? '?'}`);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      fail(res, 429, 'RATE_LIMITED', `too many requests; retry in ${wait}s`);
      return;
    }
    next();
  });

  const need =
    (role: Role) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const p = (res.locals as Locals).principal;
      if (!p) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="maestro"');
        fail(res, 401, 'AUTH_REQUIRED', 'send Authorization: Bearer <token>');
        return;
      }
      if (!allows(p.role, role)) {
        fail(res, 403, 'FORBIDDEN', `${p.user} is a ${p.role}; this needs ${role}`);
        return;
      }
      next();
    };

  const parse = <T>(schema: z.ZodType<T>, value: unknown, res: Response, what: string): T | undefined => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    fail(res, 400, 'INPUT_INVALID', `invalid ${what}`, issuesOf(r.error));
    return undefined;
  };

  // ---------------------------------------------------------------- health and metrics
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.control.ready;
    // a follower replica is healthy and ready (it serves the API); `leader` says which one acts
    res.status(ready ? 200 : 503).json({
      ready,
      cycles: deps.state.status().cycles,
      ...(deps.leadership ? { leader: deps.leadership().leader } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  // ---------------------------------------------------------------- REST API (viewer)
  const api = express.Router();
  // bodies are parsed after authentication: an anonymous caller learns nothing from a parse error
  const json = express.json({ limit: '16kb', strict: true, type: () => true });

  // the demo's dashboard link carries a one-time login token; the dashboard trades it for a session
  api.post('/session', (req, res) => {
    const session = deps.tokens.exchange(bearerToken(req.headers.authorization));
    if (!session) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="maestro"');
      return fail(
        res,
        401,
        'AUTH_REQUIRED',
        'this login link was already used or is not valid; ask for a new one',
      );
    }
    log.info({ user: session.principal.user }, 'dashboard session opened');
    res.json({ token: session.token, user: session.principal.user, role: session.principal.role });
  });

  api.get('/status', need('viewer'), (_req, res) => {
    res.json({ ...deps.state.status(), ...(deps.leadership ? { ha: deps.leadership() } : {}) });
  });
  api.get('/me', need('viewer'), (_req, res) => {
    const p = (res.locals as Locals).principal!;
    res.json({ user: p.user, role: p.role });
  });
  api.get('/targets', need('viewer'), (_req, res) => {
    res.json({ targets: deps.state.targets() });
  });
  api.get('/targets/:name', need('viewer'), (req, res) => {
    const name = parse(targetName, req.params.name, res, 'target name');
    if (name === undefined) return;
    const t = deps.state.target(name);
    if (!t) return fail(res, 404, 'NOT_FOUND', `no target named ${name}`);
    res.json({
      target: t,
      history: deps.state.history(name),
      decisions: deps.state.decisions({ target: name, limit: 50 }),
    });
  });
  api.get('/decisions', need('viewer'), (req, res) => {
    const q = parse(decisionsQuery, req.query, res, 'query');
    if (!q) return;
    res.json({
      decisions: deps.state.decisions(
        q.target !== undefined ? { target: q.target, limit: q.limit } : { limit: q.limit },
      ),
    });
  });
  api.get('/commits', need('viewer'), (req, res) => {
    const q = parse(limitQuery, req.query, res, 'query');
    if (!q) return;
    res.json({ commits: deps.state.commits(q.limit) });
  });
  api.get('/commits/:sha', need('viewer'), async (req, res) => {
    const sha = String(req.params.sha);
    if (!/^[0-9a-f]{7,40}$/.test(sha))
      return fail(res, 400, 'INPUT_INVALID', 'sha must be 7 to 40 hex digits');
    const known = deps.state.commits(500).find((c) => c.sha.startsWith(sha));
    const details = deps.describeCommit ? await deps.describeCommit(known?.sha ?? sha) : undefined;
    if (!details && !known) return fail(res, 404, 'NOT_FOUND', `no commit ${sha}`);
    res.json({ commit: known, details });
  });

  api.get('/overrides', need('viewer'), (req, res) => {
    const q = parse(overridesQuery, req.query, res, 'query');
    if (!q) return;
    res.json({
      overrides: audit.list(
        q.target !== undefined ? { target: q.target, limit: q.limit } : { limit: q.limit },
      ),
    });
  });

  // ---------------------------------------------------------------- overrides (operator)
  const overrideGuard = (_req: Request, res: Response, next: NextFunction) => {
    const p = (res.locals as Locals).principal!;
    const wait = overrideBuckets.take(p.user);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return fail(res, 429, 'RATE_LIMITED', `too many overrides; retry in ${wait}s`);
    }
    next();
  };
  const runOverride = async (req: OverrideRequest, res: Response) => {
    const p = (res.locals as Locals).principal!;
    const person: Person = { name: p.user, email: p.email };
    try {
      const result = await deps.control.override(req, person);
      log.info({ user: p.user, target: req.target ?? '*', action: req.action, sha: result.sha }, 'override');
      res.json(result);
    } catch (e) {
      if (isMaestroError(e)) {
        const status = STATUS_OF[e.code] ?? (e.retryable ? 503 : 500);
        if (status >= 500) log.error({ err: deps.redactor.redactDeep(e.toJSON()) }, 'override failed');
        return fail(res, status, e.code, e.message);
      }
      log.error({ err: deps.redactor.redact(String(e)) }, 'override failed');
      fail(res, 500, 'INTERNAL', 'override failed; see the agent log');
    }
  };
  api.post('/targets/:name/override', need('operator'), overrideGuard, json, async (req, res) => {
    const name = parse(targetName, req.params.name, res, 'target name');
    if (name === undefined) return;
    if (!deps.state.target(name)) return fail(res, 404, 'NOT_FOUND', `no target named ${name}`);
    const body = parse(overrideBody, req.body, res, 'override body');
    if (!body) return;
    await runOverride(
      {
        target: name,
        action: body.action,
        ...('replicas' in body ? { replicas: body.replicas } : {}),
        ...(body.reason ? { reason: body.reason } : {}),
      },
      res,
    );
  });
  api.post('/override', need('operator'), overrideGuard, json, async (req, res) => {
    const body = parse(globalOverrideBody, req.body, res, 'override body');
    if (!body) return;
    await runOverride({ action: body.action, ...(body.reason ? { reason: body.reason } : {}) }, res);
  });
  api.use((_req, res) => fail(res, 404, 'NOT_FOUND', 'no such API endpoint'));
  app.use('/api', api);

  // ---------------------------------------------------------------- Flagger gates
  app.post('/gate/:gate', express.json({ limit: '16kb' }), (req, res) => {
    const gate = req.params.gate as GateName;
    if (!GATE_NAMES.includes(gate)) return fail(res, 404, 'NOT_FOUND', `no gate ${String(req.params.gate)}`);
    const body = parse(gatePayload, req.body, res, 'webhook payload');
    if (!body) return;
    if (deps.gateSecret !== undefined) {
      const presented = (req.headers[GATE_SECRET_HEADER] as string | undefined) ?? body.metadata?.gateSecret;
      if (!secretMatches(presented, deps.gateSecret)) {
        deps.metrics.gateAnswered(gate, false);
        return fail(res, 401, 'AUTH_REQUIRED', `gate calls need the shared secret (${GATE_SECRET_HEADER})`);
      }
    }
    // several replicas: only the leader's verdicts count; a follower holds (fails closed)
    const lead = deps.leadership?.();
    const answer: GateAnswer =
      lead && !lead.leader && !deps.control.shadow
        ? {
            allowed: false,
            reason: `replica ${lead.identity} is not the leader${lead.holder !== undefined ? ` (${lead.holder} is)` : ''}: hold`,
          }
        : deps.control.gates.answer(
            gate,
            {
              name: body.name,
              namespace: body.namespace,
              checksum: body.checksum,
              ...(body.phase !== undefined ? { phase: body.phase } : {}),
            },
            deps.now(),
            deps.control.shadow,
          );
    deps.metrics.gateAnswered(gate, answer.allowed);
    log.debug({ gate, canary: `${body.namespace}/${body.name}`, checksum: body.checksum, ...answer }, 'gate');
    res.status(answer.allowed ? 200 : 403).json(answer);
  });

  // ---------------------------------------------------------------- dashboard
  const sendFile = (file: string, type: string) => (_req: Request, res: Response) => {
    if (!existsSync(file)) return fail(res, 404, 'NOT_FOUND', 'file not found');
    res.type(type).sendFile(file);
  };
  app.get('/', sendFile(join(dashboardDir, 'index.html'), 'html'));
  app.get('/app.js', sendFile(join(dashboardDir, 'app.js'), 'js'));
  app.get('/charts.js', sendFile(join(dashboardDir, 'charts.js'), 'js'));
  app.get('/style.css', sendFile(join(dashboardDir, 'style.css'), 'css'));
  app.get('/vendor/uPlot.iife.min.js', sendFile(join(uplotDir, 'uPlot.iife.min.js'), 'js'));
  app.get('/vendor/uPlot.min.css', sendFile(join(uplotDir, 'uPlot.min.css'), 'css'));

  app.use((_req: Request, res: Response) => fail(res, 404, 'NOT_FOUND', 'not found'));
  // body-parser errors carry a 4xx status; anything else is our bug
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status =
      (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return fail(res, status, 'INPUT_INVALID', (err as Error).message ?? 'bad request');
    }
    log.error(
      { err: deps.redactor.redact(err instanceof Error ? (err.stack ?? err.message) : String(err)) },
      'request failed',
    );
    fail(res, 500, 'INTERNAL', 'internal error; see the agent log');
  });
  return app;
}

function liveOverrideAudit(state: AgentState): OverrideAudit {
  const audit = new OverrideAudit();
  state.subscribe((e) => {
    if (e.type === 'override') audit.record(e.override);
  });
  return audit;
}

/** dashboard/ next to package.json: two levels above src/server, three above dist/src/server. */
export function findDashboardDir(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'dashboard', 'index.html'))) return join(dir, 'dashboard');
    const parent = dirname(dir);
    if (parent === dir) return join(start, '..', '..', 'dashboard');
    dir = parent;
  }
}
