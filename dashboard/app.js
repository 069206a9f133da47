// MAESTRO dashboard: plain ES module, no build step. Talks to the agent that serves it:
// WebSocket /ws for the live feed (types in src/server/protocol.ts), REST /api for overrides.
import { TargetCharts } from './charts.js';

/** @typedef {import('../src/server/protocol').ServerMessage} ServerMessage */
/** @typedef {import('../src/server/protocol').TargetView} TargetView */
/** @typedef {import('../src/server/protocol').DecisionView} DecisionView */
/** @typedef {import('../src/server/protocol').CommitView} CommitView */
/** @typedef {import('../src/server/protocol').ObservationPoint} ObservationPoint */

const WS_PROTOCOL = 'maestro.v1';
const TOKEN_KEY = 'maestro.token';
const MAX_DECISIONS = 300;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  /** @type {Map<string, TargetView>} */
  targets: new Map(),
  /** @type {Record<string, ObservationPoint[]>} */
  history: {},
  /** @type {DecisionView[]} newest first */
  decisions: [],
  /** @type {Map<string, CommitView>} */
  commits: new Map(),
  /** @type {string | undefined} */
  selected: undefined,
  /** @type {TargetCharts | undefined} */
  charts: undefined,
  role: 'viewer',
  globallyPaused: false,
  retryMs: 500,
};

// ------------------------------------------------------------------ token
/**
 * The demo prints …/#token=<t>, a one-time login token: trade it for a session token kept in this
 * tab only, and drop it from the address bar. A token that is not a login token (one pasted by
 * hand into the URL) is kept as it is.
 * @returns {Promise<string | undefined>}
 */
async function takeToken() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    const given = decodeURIComponent(m[1]);
    history.replaceState(null, '', location.pathname + location.search);
    try {
      const r = await fetch('/api/session', {
        method: 'POST',
        headers: { authorization: `Bearer ${given}` },
      });
      if (r.ok) sessionStorage.setItem(TOKEN_KEY, (await r.json()).token);
      else if (!sessionStorage.getItem(TOKEN_KEY)) sessionStorage.setItem(TOKEN_KEY, given);
    } catch {
      sessionStorage.setItem(TOKEN_KEY, given);
    }
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

function showLogin(message = '') {
  $('login').hidden = false;
  $('main').hidden = true;
  $('login-error').textContent = message;
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = /** @type {HTMLInputElement} */ ($('login-token')).value.trim();
  if (!t) return;
  sessionStorage.setItem(TOKEN_KEY, t);
  $('login').hidden = true;
  connect();
});

// ------------------------------------------------------------------ connection
/** @param {'connecting' | 'live' | 'disconnected' | 'unauthorized'} s @param {string} [text] */
function setConn(s, text) {
  const el = $('conn');
  el.dataset.state = s;
  el.className = `conn conn-${s}`;
  el.textContent = text ?? s;
}

/** @type {WebSocket | undefined} */
let socket;

function connect() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin();
  setConn('connecting', 'connecting…');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let opened = false;
  const ws = new WebSocket(url, [WS_PROTOCOL, `bearer.${token}`]);
  socket = ws;
  ws.onopen = () => {
    opened = true;
    state.retryMs = 500;
    setConn('live', 'live');
  };
  ws.onmessage = (ev) => {
    /** @type {ServerMessage} */
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    handle(msg);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    if (!opened) {
      // refused before the upgrade: most likely the token; check it over REST to say so
      fetch('/api/me', { headers: { authorization: `Bearer ${token}` } })
        .then((r) => {
          if (r.status === 401) {
            sessionStorage.removeItem(TOKEN_KEY);
            setConn('unauthorized', 'not signed in');
            showLogin('That token was not accepted.');
          } else retry();
        })
        .catch(retry);
      return;
    }
    retry();
  };
}

function retry() {
  setConn('disconnected', `disconnected — retrying in ${Math.round(state.retryMs / 1000)}s`);
  setTimeout(connect, state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, 15_000);
}

// ------------------------------------------------------------------ messages
/** @param {ServerMessage} msg */
function handle(msg) {
  switch (msg.type) {
    case 'snapshot':
      $('main').hidden = false;
      $('login').hidden = true;
      state.role = msg.you.role;
      $('who').textContent = `${msg.you.user} (${msg.you.role})`;
      document.body.classList.toggle('is-operator', msg.you.role === 'operator');
      state.targets = new Map(msg.targets.map((t) => [t.name, t]));
      state.history = Object.fromEntries(Object.entries(msg.history).map(([k, v]) => [k, [...v]]));
      state.decisions = [...msg.decisions];
      state.commits = new Map(msg.commits.map((c) => [c.sha, c]));
      setStatus(msg.status);
      if (!state.selected || !state.targets.has(state.selected)) state.selected = msg.targets[0]?.name;
      renderTargets();
      renderDetail(true);
      renderDecisions();
      break;
    case 'observation': {
      const list = (state.history[msg.target] ??= []);
      list.push(msg.point);
      if (list.length > 720) list.shift();
      const t = state.targets.get(msg.target);
      if (t) state.targets.set(t.name, { ...t, last: msg.point });
      if (msg.target === state.selected) state.charts?.push(msg.point);
      break;
    }
    case 'decision': {
      const i = state.decisions.findIndex((d) => d.id === msg.decision.id);
      if (i >= 0) state.decisions[i] = msg.decision;
      else state.decisions.unshift(msg.decision);
      if (state.decisions.length > MAX_DECISIONS) state.decisions.pop();
      renderDecisions();
      break;
    }
    case 'commit':
      state.commits.set(msg.commit.sha, msg.commit);
      addEvent(
        `commit ${msg.commit.sha.slice(0, 7)} by ${msg.commit.author}: ${msg.commit.subject}`,
        'commit',
      );
      renderDecisions();
      break;
    case 'guardrail':
      for (const i of msg.interventions)
        addEvent(`${msg.target}: guardrail ${i.rule} ${i.effect} — ${i.reason}`, 'guardrail');
      break;
    case 'override':
      addEvent(`override by ${msg.override.by}: ${msg.override.result}`, 'override');
      break;
    case 'target':
      state.targets.set(msg.target.name, msg.target);
      renderTargets();
      if (msg.target.name === state.selected) renderDetail(false);
      break;
    case 'status':
      setStatus(msg.status);
      break;
    case 'error':
      addEvent(`${msg.target ? `${msg.target}: ` : ''}${msg.code} ${msg.message}`, 'error');
      break;
    case 'pong':
      break;
  }
}

/** @param {import('../src/server/protocol').AgentStatus} s */
function setStatus(s) {
  state.globallyPaused = s.globallyPaused;
  const parts = [
    `cycle ${s.cycles}`,
    s.shadow ? 'SHADOW MODE' : '',
    s.globallyPaused ? 'ALL PAUSED' : '',
    `metrics: ${s.metricsSource}`,
    s.repoUrl ? `repo: ${s.repoUrl}` : '',
  ].filter(Boolean);
  $('agent-status').textContent = parts.join(' · ');
  const btn = $('global-pause');
  btn.hidden = state.role !== 'operator';
  btn.textContent = s.globallyPaused ? 'Resume all' : 'Pause all';
}

// ------------------------------------------------------------------ rendering
function renderTargets() {
  const ul = $('targets');
  ul.replaceChildren();
  for (const t of state.targets.values()) {
    const li = document.createElement('li');
    li.dataset.target = t.name;
    li.className = t.name === state.selected ? 'selected' : '';
    const name = document.createElement('strong');
    name.textContent = t.name;
    const badge = document.createElement('span');
    badge.className = `badge state-${t.state}`;
    badge.dataset.state = t.state;
    badge.textContent = t.state;
    const sub = document.createElement('div');
    sub.className = 'muted';
    const last = t.last;
    sub.textContent = `${t.kind} · ${last?.readyReplicas ?? '–'} ready · ${fmt(last?.rps, 0)} rps · p95 ${fmt(last?.p95LatencyMs, 0)} ms`;
    li.append(name, ' ', badge, sub);
    li.addEventListener('click', () => {
      state.selected = t.name;
      renderTargets();
      renderDetail(true);
      renderDecisions();
    });
    ul.appendChild(li);
  }
}

/** @param {boolean} rebuildCharts */
function renderDetail(rebuildCharts) {
  const t = state.selected ? state.targets.get(state.selected) : undefined;
  if (!t) return;
  $('target-name').textContent = t.name;
  const badge = $('target-state');
  badge.textContent = t.state;
  badge.className = `badge state-${t.state}`;
  badge.dataset.state = t.state;
  $('target-reason').textContent = t.stateReason ?? '';
  const d = t.declared;
  const facts = [
    `kind ${t.kind}`,
    `policy ${t.policy} (fallback ${t.fallback})`,
    `bounds ${t.minReplicas}..${t.maxReplicas}`,
    `SLO p95 ${t.slo.p95Ms} ms, errors ${(t.slo.errorRate * 100).toFixed(2)} %`,
    d?.replicas !== undefined ? `git replicas ${d.replicas}` : '',
    d?.minReplicas !== undefined ? `git HPA ${d.minReplicas}..${d.maxReplicas}` : '',
    d?.stepWeight !== undefined ? `git stepWeight ${d.stepWeight} %` : '',
    d?.skipAnalysis ? 'skipAnalysis: true' : '',
    t.last?.canaryPhase ? `canary ${t.last.canaryPhase} at ${t.last.canaryWeight ?? '–'} %` : '',
    d ? `git ${d.revision.slice(0, 7)}` : '',
  ].filter(Boolean);
  $('target-facts').textContent = facts.join(' · ');
  $('target-facts').dataset.phase = t.last?.canaryPhase ?? '';
  $('actions').hidden = state.role !== 'operator';
  for (const el of document.querySelectorAll('.canary-only')) {
    /** @type {HTMLElement} */ (el).hidden = t.kind !== 'flagger-canary';
  }
  $('actions')
    .querySelector('.replicas-box')
    ?.toggleAttribute('hidden', t.kind === 'flagger-canary');
  const input = /** @type {HTMLInputElement} */ ($('replicas-input'));
  input.min = String(t.minReplicas);
  input.max = String(t.maxReplicas);
  if (rebuildCharts) {
    state.charts?.destroy();
    state.charts = new TargetCharts($('charts'), t, state.history[t.name] ?? []);
  }
}

function renderDecisions() {
  const body = /** @type {HTMLTableSectionElement} */ ($('decisions').querySelector('tbody'));
  body.replaceChildren();
  const rows = state.decisions.filter((d) => !state.selected || d.target === state.selected).slice(0, 100);
  for (const d of rows) {
    const tr = document.createElement('tr');
    tr.dataset.decision = d.id;
    if (
      d.commit ||
      (d.finalAction.type === 'canary' && d.finalAction.verb !== 'hold') ||
      (d.finalAction.type === 'replicas' && d.finalAction.delta !== 0)
    ) {
      tr.className = 'acted';
    }
    const reasons = document.createElement('td');
    for (const r of d.reasons) {
      const div = document.createElement('div');
      div.textContent = r;
      reasons.appendChild(div);
    }
    for (const i of d.interventions) {
      const div = document.createElement('div');
      div.className = 'guardrail';
      div.textContent = `guardrail ${i.rule} ${i.effect}: ${i.reason}`;
      reasons.appendChild(div);
    }
    const commit = document.createElement('td');
    if (d.commit) {
      const a = document.createElement('a');
      a.textContent = d.commit.sha.slice(0, 7);
      a.href = d.commit.url ?? '#';
      a.dataset.sha = d.commit.sha;
      if (!d.commit.url) a.addEventListener('click', (ev) => (ev.preventDefault(), showCommit(d.commit.sha)));
      else a.target = '_blank';
      commit.appendChild(a);
    } else commit.textContent = d.pushed ? '' : '—';
    const policy = d.policy.fallback
      ? `${d.policy.name} (fallback from ${d.policy.fallback.from})`
      : d.policy.name;
    tr.append(
      cell(new Date(d.at).toLocaleTimeString()),
      cell(d.target),
      cell(policy + (d.override ? ` · override by ${d.override.by}` : '')),
      cell(d.proposed === d.final ? d.final : `${d.proposed} → ${d.final}`),
      reasons,
      commit,
    );
    body.appendChild(tr);
  }
}

/** @param {string} text */
function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** @param {string} text @param {string} kind */
function addEvent(text, kind) {
  const ul = $('events');
  const li = document.createElement('li');
  li.className = `event-${kind}`;
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  ul.prepend(li);
  while (ul.children.length > 100) ul.lastElementChild?.remove();
}

/** @param {number | null | undefined} v @param {number} digits */
function fmt(v, digits) {
  return v === null || v === undefined ? '–' : v.toFixed(digits);
}

// ------------------------------------------------------------------ API calls
/** @param {string} path @param {RequestInit} [init] */
async function api(path, init = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const res = await fetch(path, {
    ...init,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(init.headers ?? {}),
    },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** @param {string} sha */
async function showCommit(sha) {
  try {
    const r = await api(`/api/commits/${sha}`);
    const d = r.details;
    const c = r.commit;
    $('commit-text').textContent = d
      ? `commit ${d.sha}\nAuthor: ${d.author}\nDate: ${new Date(d.at).toISOString()}\nFiles: ${d.files.join(', ')}\n\n${d.message}`
      : `commit ${c.sha}\nAuthor: ${c.author}\n\n${c.subject}`;
  } catch (e) {
    $('commit-text').textContent = String(/** @type {Error} */ (e).message);
  }
  /** @type {HTMLDialogElement} */ ($('commit-dialog')).showModal();
}

/**
 * Every override goes through a confirm step that says exactly what will happen.
 * @param {string} text
 * @returns {Promise<string | undefined>} the reason, or undefined when cancelled
 */
function confirmStep(text) {
  const dlg = /** @type {HTMLDialogElement} */ ($('confirm'));
  $('confirm-text').textContent = text;
  /** @type {HTMLInputElement} */ ($('confirm-reason')).value = '';
  dlg.returnValue = '';
  dlg.showModal();
  return new Promise((resolve) => {
    dlg.addEventListener(
      'close',
      () =>
        resolve(
          dlg.returnValue === 'ok' ? /** @type {HTMLInputElement} */ ($('confirm-reason')).value : undefined,
        ),
      { once: true },
    );
  });
}

const DESCRIBE = {
  pause: (/** @type {string} */ t) =>
    `Pause ${t}? The agent commits a pause annotation and stops changing it.`,
  resume: (/** @type {string} */ t) =>
    `Resume ${t}? The agent commits the annotation removal and decides again.`,
  promote: (/** @type {string} */ t) =>
    `Force promote ${t}? Commits skipAnalysis: true and opens the promotion gate for this release.`,
  rollback: (/** @type {string} */ t) =>
    `Force rollback ${t}? Flagger rolls the canary back on its next tick; the pod template is reverted in git afterwards.`,
  replicas: (/** @type {string} */ t, /** @type {number} */ n) =>
    `Set ${t} to ${n} replicas? This is a commit authored by you.`,
};

$('actions').addEventListener('click', async (ev) => {
  const btn = /** @type {HTMLElement} */ (ev.target).closest('button');
  const action = btn?.dataset.action;
  const t = state.selected;
  if (!btn || !action || !t) return;
  /** @type {Record<string, unknown>} */
  const body = { action };
  let text;
  if (action === 'replicas') {
    const n = Number(/** @type {HTMLInputElement} */ ($('replicas-input')).value);
    if (!Number.isInteger(n))
      return void ($('action-result').textContent = 'enter a whole number of replicas');
    body.replicas = n;
    text = DESCRIBE.replicas(t, n);
  } else text = DESCRIBE[/** @type {'pause'} */ (action)](t);
  const reason = await confirmStep(text);
  if (reason === undefined) return void ($('action-result').textContent = 'cancelled');
  if (reason) body.reason = reason;
  $('action-result').textContent = 'sending…';
  try {
    const r = await api(`/api/targets/${encodeURIComponent(t)}/override`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    $('action-result').textContent = r.message;
  } catch (e) {
    $('action-result').textContent = `failed: ${/** @type {Error} */ (e).message}`;
  }
});

$('global-pause').addEventListener('click', async () => {
  const action = state.globallyPaused ? 'resume' : 'pause';
  const reason = await confirmStep(`${action === 'pause' ? 'Pause' : 'Resume'} ALL targets?`);
  if (reason === undefined) return;
  try {
    const r = await api('/api/override', {
      method: 'POST',
      body: JSON.stringify({ action, ...(reason ? { reason } : {}) }),
    });
    addEvent(r.message, 'override');
  } catch (e) {
    addEvent(`failed: ${/** @type {Error} */ (e).message}`, 'error');
  }
});

// keep the socket warm through idle proxies
setInterval(
  () => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: 'ping' })),
  25_000,
);

takeToken().then((t) => (t ? connect() : showLogin()));
