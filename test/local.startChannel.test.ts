/**
 * How `npm start` picks its channel from `--channel` and the environment, and what its banner says
 * about where mails go.
 */
import { resolve } from 'node:path';
import {
  DEVELOPMENT_FORWARD_SIGNING_SECRET,
  deliveryDescription,
  StartChannelError,
  stackChannelOptions,
  startChannel,
} from '../local/startChannel.ts';

const RECEIVER = 'https://crm.example/hooks/voucherify';

describe('npm start’s channel', () => {
  test('is the outbox at .local/outbox.jsonl when nothing is set', () => {
    const choice = startChannel(undefined, {});
    expect(choice).toEqual({ channel: 'outbox', outboxFile: resolve('.local/outbox.jsonl') });
    expect(stackChannelOptions(choice)).toEqual({ channel: 'outbox', outboxFile: resolve('.local/outbox.jsonl') });
    expect(deliveryDescription(choice, undefined)).toBe(`one JSON line each in ${resolve('.local/outbox.jsonl')} (channel outbox)`);
  });

  test('is http from the environment, POSTing to FORWARD_URL signed with FORWARD_SIGNING_SECRET', () => {
    const choice = startChannel(undefined, { DELIVERY_CHANNEL: 'http', FORWARD_URL: RECEIVER, FORWARD_SIGNING_SECRET: 'shh-secret' });
    expect(stackChannelOptions(choice)).toEqual({ channel: 'http', forward: { url: RECEIVER, signingSecret: 'shh-secret' } });
    expect(deliveryDescription(choice, undefined)).toBe(
      `POSTed to ${RECEIVER} (channel http), signed with FORWARD_SIGNING_SECRET (10 characters)`,
    );
  });

  test('is http from --channel, which wins over DELIVERY_CHANNEL, with the development signing secret unless one is set', () => {
    const choice = startChannel('http', { DELIVERY_CHANNEL: 'ses', FORWARD_URL: ` ${RECEIVER} ` });
    expect(stackChannelOptions(choice)).toEqual({
      channel: 'http',
      forward: { url: RECEIVER, signingSecret: DEVELOPMENT_FORWARD_SIGNING_SECRET },
    });
    expect(deliveryDescription(choice, undefined)).toContain(`signed with "${DEVELOPMENT_FORWARD_SIGNING_SECRET}" (development default`);
  });

  test('is the local SES with --channel ses, whose web page the banner names', () => {
    const choice = startChannel('ses', { DELIVERY_CHANNEL: 'http' });
    expect(stackChannelOptions(choice)).toEqual({ channel: 'ses' });
    expect(deliveryDescription(choice, 'http://127.0.0.1:4579')).toBe('local SES, web page at http://127.0.0.1:4579/ (channel ses)');
  });

  test.each([
    [['http', {}], /needs FORWARD_URL/],
    [[undefined, { DELIVERY_CHANNEL: 'http', FORWARD_URL: '  ' }], /needs FORWARD_URL/],
    [['http', { FORWARD_URL: 'crm.example/hooks' }], /FORWARD_URL must be an absolute http\(s\) URL, got "crm.example\/hooks"/],
    [['http', { FORWARD_URL: 'ftp://crm.example/hooks' }], /FORWARD_URL must be an absolute http\(s\) URL/],
    [['smtp', {}], /must be one of outbox, ses, http, got "smtp"/],
    [[undefined, { DELIVERY_CHANNEL: 'sms' }], /must be one of outbox, ses, http, got "sms"/],
  ] as const)('refuses %j with a message saying what to set', ([flag, env], message) => {
    expect(() => startChannel(flag, env)).toThrow(StartChannelError);
    expect(() => startChannel(flag, env)).toThrow(message);
  });
});
