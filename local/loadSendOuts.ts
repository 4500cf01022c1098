/**
 * The send-outs `npm run load` posts, and how it posts them: new send-outs built from the shared
 * Voucherify fixtures, each with fresh ids and a fresh created_at (so the replay guard takes them
 * for new), posted again when not answered with a 2xx, as Voucherify does.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freshEnvelopeId, type WebhookClient, type WebhookResponse } from './webhookClient.ts';

const FIXTURES = resolve(import.meta.dirname, '../test/fixtures/voucherify');
/** Voucherify posts a send-out again when it gets no 2xx; here up to this many attempts in all. */
export const MAX_ATTEMPTS = 3;

/** The kinds in the mix, with their share; `deliverable` is false for a customer without an e-mail. */
const MIX = [
  { file: 'segment-entered-plain-message.json', share: 0.3, deliverable: true },
  { file: 'segment-entered-promotion.json', share: 0.3, deliverable: true },
  { file: 'segment-entered-unique-code.json', share: 0.35, deliverable: true },
  { file: 'segment-entered-minimal.json', share: 0.05, deliverable: false },
] as const;

export interface SendOut {
  readonly id: string;
  readonly eventId: string;
  readonly body: string;
  readonly deliverable: boolean;
}

/**
 * Builds the index-th new send-out: fresh envelope and event ids, so each delivery can be traced to
 * one send-out. With `deliverableOnly` the mix leaves out customers without an e-mail, so every
 * accepted send-out must come out of every channel.
 */
export function sendOutFactory(options: { deliverableOnly?: boolean } = {}): (index: number) => SendOut {
  const kinds = MIX.filter((kind) => kind.deliverable || !options.deliverableOnly);
  const totalShare = kinds.reduce((sum, kind) => sum + kind.share, 0);
  const templates = kinds.map((kind) => ({
    ...kind,
    share: kind.share / totalShare,
    body: JSON.parse(readFileSync(join(FIXTURES, kind.file), 'utf8')) as { id: string; created_at: string; event: { id: string } },
  }));
  return (index) => {
    // Spread the kinds evenly over the run (golden-ratio steps) in their shares of the mix.
    const pick = (index * 0.6180339887) % 1;
    let cumulative = 0;
    const template =
      templates.find((candidate) => {
        cumulative += candidate.share;
        return pick < cumulative;
      }) ?? templates[0]!;
    const id = freshEnvelopeId();
    const eventId = `evcus_load_${index.toString(36)}_${id.slice(4, 12)}`;
    const body = structuredClone(template.body);
    body.id = id;
    body.event.id = eventId;
    body.created_at = new Date().toISOString();
    return { id, eventId, body: JSON.stringify(body), deliverable: template.deliverable };
  };
}

/** When the attempt that was answered with a 2xx was sent, and when its answer came (epoch ms). */
export interface Acknowledgement {
  readonly postedAtMs: number;
  readonly answeredAtMs: number;
}

export interface WebhookPoster {
  /** Answers by status ("202", "error (…)") over every attempt. */
  readonly statuses: Map<string, number>;
  /** Of every attempt that got an answer. */
  readonly latenciesMs: number[];
  /** Attempts after the first. */
  readonly retriedPosts: number;
  /** Posts until a 2xx or MAX_ATTEMPTS; undefined when never acknowledged. */
  post(sendOut: SendOut): Promise<Acknowledgement | undefined>;
}

export function webhookPoster(client: WebhookClient): WebhookPoster {
  const statuses = new Map<string, number>();
  const latenciesMs: number[] = [];
  let retriedPosts = 0;
  return {
    statuses,
    latenciesMs,
    get retriedPosts() {
      return retriedPosts;
    },
    async post(sendOut) {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        if (attempt > 1) retriedPosts++;
        let status: string;
        let response: WebhookResponse | undefined;
        const postedAtMs = Date.now();
        try {
          response = await client.post(sendOut.body);
          latenciesMs.push(response.latencyMs);
          status = String(response.status);
        } catch (error) {
          status = `error (${(error as Error).message})`;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (response && response.status >= 200 && response.status < 300) return { postedAtMs, answeredAtMs: Date.now() };
        await new Promise((resolveDelay) => setTimeout(resolveDelay, 100 * attempt));
      }
      return undefined;
    },
  };
}
