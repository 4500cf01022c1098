import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { cachedSecret, parseSecretList } from '../shared/cachedSecret.ts';
import { createLogger, createMetrics } from '../shared/observability.ts';
import { publishMetrics } from '../shared/publishMetrics.ts';
import { readSecretString } from '../shared/secretsManagerSecret.ts';
import { type Environment, SERVICE_NAMES } from '../shared/settings.ts';
import { dynamoUnsubscribeList, type UnsubscribeList } from '../shared/unsubscribeList.ts';
import { verifyUnsubscribeToken } from '../shared/unsubscribeToken.ts';
import { loadUnsubscribeConfig } from './config.ts';
import { type PageBranding, type PageState, unsubscribePage } from './unsubscribePage.ts';

export interface UnsubscribeDependencies {
  /** The keys a token may be made with: more than one during a rotation. */
  readonly secrets: () => Promise<readonly string[]>;
  readonly unsubscribes: UnsubscribeList;
  readonly branding: PageBranding;
}

export type UnsubscribeHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

// The token is in the URL: the page must not pass it on (Referer), be cached, framed or run scripts.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
} as const;

export function createUnsubscribeDependencies(env: Environment): UnsubscribeDependencies {
  const config = loadUnsubscribeConfig(env);
  const { secret } = config;
  const read =
    'value' in secret
      ? () => Promise.resolve(secret.value)
      : (() => {
          const cached = cachedSecret({
            fetchSecret: () => readSecretString(secret.arn),
            ttlMs: secret.cacheTtlSeconds * 1000,
            parse: (value) => value,
            unavailableError: (cause) => new Error('Could not read the unsubscribe secret', { cause }),
          });
          return () => cached.current();
        })();
  return {
    secrets: async () => parseSecretList(await read()),
    unsubscribes: dynamoUnsubscribeList({
      client: new DynamoDBClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } }),
      tableName: config.tableName,
    }),
    branding: config.branding,
  };
}

/**
 * The unsubscribe page every message links to, route GET and POST /unsubscribe?token=…: GET shows
 * a page with one button and changes nothing (mail scanners follow links); POST, from that button
 * or from a mail client's one-click unsubscribe (RFC 8058, body `List-Unsubscribe=One-Click`),
 * records the customer as unsubscribed at once and answers 200. A token that was not made with
 * the unsubscribe key, or was altered, changes nothing and gets 400. A failure to record answers
 * 503, so a mail client tries again rather than believing it done.
 */
export function createUnsubscribeHandler(
  env: Environment,
  options: { logger?: Logger; metrics?: Metrics; dependencies?: UnsubscribeDependencies } = {},
): UnsubscribeHandler {
  const logger = options.logger ?? createLogger(SERVICE_NAMES.unsubscribe, env);
  const metrics = options.metrics ?? createMetrics(SERVICE_NAMES.unsubscribe, env);
  let dependencies: UnsubscribeDependencies;
  try {
    dependencies = options.dependencies ?? createUnsubscribeDependencies(env);
  } catch (error) {
    // Fail closed, loudly, once: every request then says the page is out of order, nothing else.
    logger.error('The unsubscribe function is misconfigured; every request will be answered 500', { error });
    return async () => ({
      statusCode: 500,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Unsubscribing is not available right now.',
    });
  }
  const page = (statusCode: number, state: PageState): APIGatewayProxyStructuredResultV2 => ({
    statusCode,
    headers: PAGE_HEADERS,
    body: unsubscribePage(state, dependencies.branding),
  });

  async function unsubscribe(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const method = event.requestContext?.http?.method ?? 'GET';
    const token = new URLSearchParams(event.rawQueryString ?? '').get('token') ?? '';
    const customerId = token ? verifyUnsubscribeToken(token, await dependencies.secrets()) : undefined;
    if (customerId === undefined) {
      metrics.addMetric('UnsubscribeRefused', MetricUnit.Count, 1);
      logger.warn('Unsubscribe link refused: the token is missing or not ours', { method });
      return page(400, 'invalid');
    }
    if (method !== 'POST') return page(200, 'confirm');
    try {
      await dependencies.unsubscribes.unsubscribe(customerId);
    } catch (error) {
      metrics.addMetric('UnsubscribeFailed', MetricUnit.Count, 1);
      logger.error('Could not record an unsubscription; the customer can try again', { customer_id: customerId, error });
      return {
        statusCode: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' },
        body: 'Please try again in a minute.',
      };
    }
    metrics.addMetric('Unsubscribed', MetricUnit.Count, 1);
    logger.info('Customer unsubscribed', { customer_id: customerId });
    return page(200, 'unsubscribed');
  }

  return middy(unsubscribe)
    .use(publishMetrics(metrics))
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(httpHeaderNormalizer()) as unknown as UnsubscribeHandler;
}
