import type { WebhookCaller } from './canary-controller';

/**
 * Flagger's webhook call over real HTTP: POST JSON, any status returned, network errors and
 * timeouts rejected (the controller counts them as a closed gate). Flagger's default timeout is
 * 10 s (`webhooks[].timeout`).
 */
export function httpWebhookCaller(timeoutMs = 10_000): WebhookCaller {
  return async (url, payload) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return { status: res.status };
  };
}
