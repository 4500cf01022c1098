import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * @middy/http-json-body-parser (the media type is checked earlier, by jsonContentType), except that
 * JSON it refuses although it is valid is parsed as plain JSON instead. It refuses two kinds: a
 * `__proto__` key or a `constructor` holding a `prototype`, and nesting deeper than its reviver can
 * recurse. Customers fill in their own metadata in Voucherify, and a refused webhook is retried until
 * Voucherify pauses the whole distribution, so neither may cost a send-out: the contract drops such
 * keys (valibot never copies them) and checks only the fields it names.
 */
export const jsonBodyParser = (): MiddlewareObj<APIGatewayProxyEventV2> => {
  const middyParser = httpJsonBodyParser({ disableContentTypeCheck: true });
  return {
    before: function parseJsonBody(request) {
      const text = request.event.body;
      try {
        middyParser.before?.(request as never);
      } catch (error) {
        let value: unknown;
        try {
          value = JSON.parse(text ?? '');
        } catch {
          throw error;
        }
        (request.event as { body: unknown }).body = value;
      }
    },
  };
};
