/**
 * Sends webhooks the way Voucherify does: a JSON body signed with HMAC-SHA256 in
 * `x-voucherify-signature`, over HTTP with keep-alive. Used by `npm run send`, `npm run load` and
 * the end-to-end tests.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signatureFor } from '../functions/ingest/verifySignature.ts';

export interface WebhookResponse {
  readonly status: number;
  readonly body: string;
  readonly latencyMs: number;
}

export interface WebhookClient {
  post(body: string | Buffer, options?: { signature?: string }): Promise<WebhookResponse>;
  close(): void;
}

export function createWebhookClient(options: { url: string; secret: string; maxSockets?: number; timeoutMs?: number }): WebhookClient {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
  return {
    post(body, postOptions = {}) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const signature = postOptions.signature ?? signatureFor(bytes, options.secret);
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const outgoing = request(
          target,
          {
            method: 'POST',
            agent,
            timeout: options.timeoutMs ?? 15_000,
            headers: {
              'content-type': 'application/json',
              'content-length': bytes.length,
              'user-agent': 'Voucherify-Webhooks (local sender)',
              'x-voucherify-signature': signature,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                latencyMs: performance.now() - started,
              }),
            );
            response.on('error', reject);
          },
        );
        outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
        outgoing.on('error', reject);
        outgoing.end(bytes);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A Voucherify-style send-out id (`whs_` + 20 hex digits), fresh for every copy. */
export const freshEnvelopeId = (): string => `whs_${randomBytes(10).toString('hex')}`;

/**
 * The body as a new send-out, as Voucherify would send it now: same content, a fresh envelope id, the
 * current time (so the replay guard takes it for what it is), compact.
 */
export function asNewSendOut(body: string, envelopeId = freshEnvelopeId()): { id: string; body: string } {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  parsed.id = envelopeId;
  parsed.created_at = new Date().toISOString();
  return { id: envelopeId, body: JSON.stringify(parsed) };
}

/** Runs `count` tasks with at most `concurrency` at once, in order of index. */
export async function runWithConcurrency(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
}
