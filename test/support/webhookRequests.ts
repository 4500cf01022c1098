/** Factories for webhook requests as Voucherify sends them, signed or deliberately not. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signatureFor } from '../../functions/ingest/verifySignature.ts';
import { httpApiEvent } from '../../local/lambdaEvents.ts';
import { FIXTURE_SECRET, readFixture } from './fixtures.ts';

export interface SignedEventOptions {
  readonly secret?: string;
  /** Replaces the computed signature header; `null` omits the header. */
  readonly signature?: string | null;
  readonly contentType?: string | null;
  readonly base64?: boolean;
  readonly headers?: Record<string, string>;
}

export function signedEvent(body: string | Buffer, options: SignedEventOptions = {}): APIGatewayProxyEventV2 {
  const signature = options.signature === undefined ? signatureFor(body, options.secret ?? FIXTURE_SECRET) : options.signature;
  const headers: Record<string, string> = { 'user-agent': 'Voucherify-Webhooks', ...options.headers };
  if (signature !== null) headers['x-voucherify-signature'] = signature;
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const event = httpApiEvent({ headers, body });
  if (options.base64 && event.body !== undefined && !event.isBase64Encoded) {
    return { ...event, body: Buffer.from(event.body, 'utf8').toString('base64'), isBase64Encoded: true };
  }
  return event;
}

export const signedFixtureEvent = (name: string, options: SignedEventOptions = {}): APIGatewayProxyEventV2 =>
  signedEvent(readFixture(name), options);

/** A copy of a fixture body as a new send-out of the same distribution: a fresh envelope id, made now. */
export function withEnvelopeId(body: string, id: string): string {
  const parsed = JSON.parse(body) as { id: string; created_at: string };
  parsed.id = id;
  parsed.created_at = new Date().toISOString();
  return JSON.stringify(parsed);
}

export const parseResponseBody = (body: string | undefined): Record<string, unknown> =>
  JSON.parse(body ?? 'null') as Record<string, unknown>;
