/**
 * The unsubscribe links and page: tokens that only this stack can make and that name exactly one
 * customer, and the page's GET (confirm, change nothing) and POST (one click, recorded at once).
 * Through the whole local pipeline: localStack.e2e.test.ts.
 */
import fc from 'fast-check';
import { unsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from '../functions/shared/unsubscribeToken.ts';
import { createUnsubscribeHandler, type UnsubscribeDependencies } from '../functions/unsubscribe/unsubscribeHandler.ts';
import { httpApiEvent, lambdaContext } from '../local/lambdaEvents.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import { InMemoryUnsubscribeList } from './support/distributeFakes.ts';

const SECRET = 'unsubscribe-test-secret';

describe('unsubscribe tokens', () => {
  test('name the customer they were made for, with the current key or an older one still active', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 256, unit: 'grapheme' }), (customerId) => {
        expect(verifyUnsubscribeToken(unsubscribeToken(customerId, SECRET), [SECRET])).toBe(customerId);
        expect(verifyUnsubscribeToken(unsubscribeToken(customerId, 'old-key'), [SECRET, 'old-key'])).toBe(customerId);
      }),
    );
  });

  test('made with another key, they name no one', () => {
    expect(verifyUnsubscribeToken(unsubscribeToken('cust_1', 'a forger’s key'), [SECRET])).toBeUndefined();
  });

  test('changed anywhere, or pieced together from two, they name no one', () => {
    const token = unsubscribeToken('cust_7Hq2LmZpX4vN8sRkTb3WcY1d', SECRET);
    const other = unsubscribeToken('cust_other', SECRET);
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc019-_.='), (index, character) => {
        fc.pre(token[index] !== character);
        expect(verifyUnsubscribeToken(`${token.slice(0, index)}${character}${token.slice(index + 1)}`, [SECRET])).toBeUndefined();
      }),
    );
    expect(verifyUnsubscribeToken(`${token.split('.')[0]}.${other.split('.')[1]}`, [SECRET])).toBeUndefined();
    for (const junk of ['', '.', 'abc', `${token}.x`, `${token}=`]) expect(verifyUnsubscribeToken(junk, [SECRET])).toBeUndefined();
  });

  test('carry no contact detail: the link holds the customer id and a MAC, nothing else', () => {
    const url = new URL(unsubscribeUrl('https://hooks.shop.example/unsubscribe', 'cust_1', SECRET));
    expect([...url.searchParams.keys()]).toEqual(['token']);
    expect(url.origin + url.pathname).toBe('https://hooks.shop.example/unsubscribe');
  });
});

describe('the unsubscribe page', () => {
  let output: CapturedOutput;
  let unsubscribes: InMemoryUnsubscribeList;
  beforeEach(() => {
    output = captureOutput();
    unsubscribes = new InMemoryUnsubscribeList();
  });
  afterEach(() => output.restore());

  const dependencies = (): UnsubscribeDependencies => ({
    secrets: async () => [SECRET],
    unsubscribes,
    branding: { companyName: 'Shop <Example> & Co', accentColor: '#1f5fbf' },
  });
  const request = (method: 'GET' | 'POST', token: string, body?: string) =>
    createUnsubscribeHandler({}, { dependencies: dependencies() })(
      httpApiEvent({
        method,
        path: '/unsubscribe',
        rawQueryString: `token=${encodeURIComponent(token)}`,
        headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
        body,
      }),
      lambdaContext('unsubscribe'),
    );

  test('GET shows a page with one button and unsubscribes no one: mail scanners follow links', async () => {
    const response = await request('GET', unsubscribeToken('cust_1', SECRET));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post">');
    expect(response.body).toContain('Shop &lt;Example&gt; &amp; Co');
    expect([...unsubscribes.customers]).toEqual([]);
  });

  test('showing the page writes nothing to the log: it counted nothing, and no warning says so on every view', async () => {
    await request('GET', unsubscribeToken('cust_1', SECRET));
    expect(output.lines).toEqual([]);
  });

  test('POST with List-Unsubscribe=One-Click unsubscribes at once and answers 200', async () => {
    const response = await request('POST', unsubscribeToken('cust_1', SECRET), 'List-Unsubscribe=One-Click');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect([...unsubscribes.customers]).toEqual(['cust_1']);
    expect(output.json()).toEqual(
      expect.arrayContaining([expect.objectContaining({ message: 'Customer unsubscribed', customer_id: 'cust_1' })]),
    );
  });

  test('a tampered or foreign token gets 400 and unsubscribes no one', async () => {
    const token = unsubscribeToken('cust_1', SECRET);
    for (const forged of [`${token.slice(0, -2)}AA`, unsubscribeToken('cust_2', 'guessed'), '']) {
      const response = await request('POST', forged, 'List-Unsubscribe=One-Click');
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('This link is not valid');
    }
    expect([...unsubscribes.customers]).toEqual([]);
  });

  test('the page leaks the token nowhere and cannot be framed, cached or scripted', async () => {
    const response = await request('GET', unsubscribeToken('cust_1', SECRET));
    expect(response.headers).toMatchObject({
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
    });
    expect(response.body).not.toContain('<script');
  });

  test('answers 503, not a false "done", when the unsubscription cannot be recorded', async () => {
    unsubscribes.failWith = new Error('DynamoDB is down');
    const response = await request('POST', unsubscribeToken('cust_1', SECRET), 'List-Unsubscribe=One-Click');
    expect(response.statusCode).toBe(503);
  });

  test('refuses every request with 500, failing closed, when it has no key', async () => {
    const handler = createUnsubscribeHandler({ UNSUBSCRIBE_TABLE_NAME: 'x' });
    const response = await handler(httpApiEvent({ method: 'GET', path: '/unsubscribe', headers: {}, body: undefined }), lambdaContext('u'));
    expect(response.statusCode).toBe(500);
  });
});
