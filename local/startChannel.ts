/**
 * Where `npm start` delivers: the outbox file (default), the local SES, or a real HTTP receiver
 * (an ESP, a CRM, or a request bin) that the http channel POSTs signed messages to. Chosen with
 * `--channel`, else DELIVERY_CHANNEL; the http channel takes its receiver from FORWARD_URL and its
 * signing secret from FORWARD_SIGNING_SECRET, as the deployed function does.
 */
import { resolve } from 'node:path';
import { DISTRIBUTE_SETTINGS, type Environment, readOptionalSetting, readSetting } from '../functions/shared/settings.ts';
import { LOCAL_SETTINGS } from './localDefaults.ts';
import type { LocalStackOptions } from './localStack.ts';

/** Public by design, like the webhook development secret: a receiver of a local run verifies with it. */
export const DEVELOPMENT_FORWARD_SIGNING_SECRET = 'local_forward_signing_secret';
export const START_CHANNELS = ['outbox', 'ses', 'http'] as const;

/** A choice `npm start` cannot run with, worded for the terminal. */
export class StartChannelError extends Error {
  override readonly name = 'StartChannelError';
}

export type StartChannel =
  | { readonly channel: 'outbox'; readonly outboxFile: string }
  | { readonly channel: 'ses' }
  | {
      readonly channel: 'http';
      readonly forward: { readonly url: string; readonly signingSecret: string };
      /** False when FORWARD_SIGNING_SECRET was set. */
      readonly developmentSecret: boolean;
    };

/** The channel from `--channel` (wins) or the environment, with what it needs; throws StartChannelError. */
export function startChannel(channelFlag: string | undefined, env: Environment): StartChannel {
  const channel = channelFlag ?? readSetting(env, LOCAL_SETTINGS.deliveryChannel);
  switch (channel) {
    case 'outbox':
      return { channel, outboxFile: resolve(readSetting(env, LOCAL_SETTINGS.outboxFile)) };
    case 'ses':
      return { channel };
    case 'http': {
      const url = readOptionalSetting(env, DISTRIBUTE_SETTINGS.forwardUrl);
      if (url === undefined) {
        throw new StartChannelError('The http channel needs FORWARD_URL: the URL of the receiver that messages are POSTed to.');
      }
      if (!/^https?:\/\//.test(url) || !URL.canParse(url)) {
        throw new StartChannelError(`FORWARD_URL must be an absolute http(s) URL, got "${url}"`);
      }
      const configuredSecret = readOptionalSetting(env, DISTRIBUTE_SETTINGS.forwardSigningSecret);
      return {
        channel,
        forward: { url, signingSecret: configuredSecret ?? DEVELOPMENT_FORWARD_SIGNING_SECRET },
        developmentSecret: configuredSecret === undefined,
      };
    }
    default:
      throw new StartChannelError(`The channel must be one of ${START_CHANNELS.join(', ')}, got "${channel}"`);
  }
}

/** The local stack's options for the channel. */
export function stackChannelOptions(choice: StartChannel): Pick<LocalStackOptions, 'channel' | 'outboxFile' | 'forward'> {
  switch (choice.channel) {
    case 'outbox':
      return { channel: 'outbox', outboxFile: choice.outboxFile };
    case 'ses':
      return { channel: 'ses' };
    case 'http':
      return { channel: 'http', forward: choice.forward };
  }
}

/** The banner's line on where mails go. */
export function deliveryDescription(choice: StartChannel, sesEndpoint: string | undefined): string {
  switch (choice.channel) {
    case 'outbox':
      return `one JSON line each in ${choice.outboxFile} (channel outbox)`;
    case 'ses':
      return `local SES, web page at ${sesEndpoint}/ (channel ses)`;
    case 'http':
      return `POSTed to ${choice.forward.url} (channel http), signed with ${
        choice.developmentSecret
          ? `"${DEVELOPMENT_FORWARD_SIGNING_SECRET}" (development default; set FORWARD_SIGNING_SECRET to change)`
          : `FORWARD_SIGNING_SECRET (${choice.forward.signingSecret.length} characters)`
      }`;
  }
}
