/** Reads a JSON request body; a body that does not parse is a 400 with the parser's reason. */
import type { Context } from 'hono';
import { HttpCodes, HttpError } from '../http-error.js';

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, HttpCodes.VALIDATION_FAILED, 'the body is not valid JSON', {
      errors: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }],
    });
  }
}
