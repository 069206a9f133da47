import type {
  AgentStatus,
  CommitView,
  DecisionView,
  InterventionView,
  LoopEvent,
  ObservationPoint,
  OverrideView,
  TargetView,
} from '../loop/events';

/**
 * The WebSocket protocol between the agent and the dashboard (dashboard/app.js reads these types
 * through JSDoc). One JSON object per frame, discriminated by `type`. Version it by the
 * subprotocol name: a breaking change gets `maestro.v2`.
 *
 * Connect: `new WebSocket('ws://host/ws', ['maestro.v1', 'bearer.' + token])`. Browsers cannot set
 * headers on a WebSocket, and a token in the query string ends up in proxy logs, so the token rides
 * in `Sec-WebSocket-Protocol`; the server answers with `maestro.v1` only.
 */
export const WS_PROTOCOL = 'maestro.v1';
export const WS_TOKEN_PREFIX = 'bearer.';

export type {
  AgentStatus,
  CommitView,
  DecisionView,
  InterventionView,
  ObservationPoint,
  OverrideView,
  TargetView,
};

/** Server → client. */
export type ServerMessage =
  /** first message after connect: everything the dashboard needs to draw */
  | {
      readonly type: 'snapshot';
      readonly at: number;
      readonly you: { readonly user: string; readonly role: Role };
      readonly status: AgentStatus;
      readonly targets: readonly TargetView[];
      readonly decisions: readonly DecisionView[];
      readonly commits: readonly CommitView[];
      readonly history: Readonly<Record<string, readonly ObservationPoint[]>>;
    }
  /** every loop event but the internal per-cycle summary, as the loop published it */
  | Exclude<LoopEvent, { readonly type: 'cycle' }>
  | { readonly type: 'pong'; readonly at: number };

/** Client → server. Anything else is answered with an `error` message (code INPUT_INVALID). */
export type ClientMessage = { readonly type: 'ping' };

export type Role = 'viewer' | 'operator';

/** REST: POST /api/targets/:name/override body. */
export type OverrideBody =
  | { readonly action: 'pause' | 'resume' | 'promote' | 'rollback'; readonly reason?: string }
  | { readonly action: 'replicas'; readonly replicas: number; readonly reason?: string };

/** REST error body: `{ error: { code, message, issues? } }`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  };
}
