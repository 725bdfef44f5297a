// The request body as bytes, read straight from Node's IncomingMessage with a size cap. Going
// through the Fetch Request instead (c.req.arrayBuffer, hono/body-limit) builds a web stream per
// request, which was a fifth of the bot's CPU under load.
import type { IncomingMessage } from 'node:http';

export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too large' | 'aborted' };

/**
 * Stops at the first byte over the cap, declared or not; what is left unread Node's server
 * discards after the answer goes out.
 */
export function readBody(incoming: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  if (Number(incoming.headers['content-length']) > maxBytes) return Promise.resolve({ ok: false, reason: 'too large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyRead) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onAborted).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) done({ ok: false, reason: 'too large' });
      else chunks.push(chunk);
    };
    const onEnd = () => done({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    const onAborted = () => done({ ok: false, reason: 'aborted' });
    const onClose = () => (incoming.readableEnded ? onEnd() : onAborted());
    incoming.on('data', onData).on('end', onEnd).on('error', onAborted).on('close', onClose);
  });
}
