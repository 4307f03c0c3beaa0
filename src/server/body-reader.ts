import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { HttpError } from "./http-errors";

/** An error fastify's error handler turns into its 413 (the message names the endpoint's limit). */
function tooLarge(): Error {
  return Object.assign(new Error("Request body is too large"), { code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 });
}

/**
 * Reads a request body into one buffer, copying each chunk in as it arrives. Collecting the
 * chunks and concatenating them at the end (what a generic body parser does) keeps a whole
 * body's worth of 64 KB socket chunks alive at once; several large bodies in parallel then
 * leave the C heap fragmented, and the process keeps that memory after the requests are done.
 * With a declared Content-Length (and no content-encoding) the buffer is allocated once at that
 * size; otherwise it grows by doubling, up to `limit`.
 */
export function readBody(payload: Readable, limit: number, declaredLength: number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (declaredLength !== undefined && declaredLength > limit) {
      payload.resume();
      reject(tooLarge());
      return;
    }
    let buf = Buffer.allocUnsafeSlow(Math.min(limit, declaredLength ?? 64 * 1024));
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      payload.removeListener("data", onData);
      payload.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > limit) return fail(tooLarge());
      if (size + chunk.length > buf.length) {
        const grown = Buffer.allocUnsafeSlow(Math.min(limit, Math.max(buf.length * 2, size + chunk.length)));
        buf.copy(grown, 0, 0, size);
        buf = grown;
      }
      chunk.copy(buf, size);
      size += chunk.length;
    };
    payload.on("data", onData);
    payload.once("error", (err) => fail(err));
    payload.once("end", () => {
      if (settled) return;
      settled = true;
      if (declaredLength !== undefined && size !== declaredLength) {
        reject(new HttpError(400, { message: `Request body has ${size} bytes, Content-Length said ${declaredLength}`, error: "InvalidRequestError" }));
        return;
      }
      resolve(size === buf.length ? buf : buf.subarray(0, size));
    });
  });
}

/**
 * Lets one large request at a time be decoded and handled (a 30 MB OTLP/JSON body becomes
 * ~100 MB of objects); the others wait with their raw bytes. Ingestion is serial in the store
 * anyway, so this costs no throughput, and peak memory is one decoded request instead of one
 * per client. The permit is released when the response is finished or the connection closes,
 * whichever comes first, so an aborted request never holds it.
 */
export class OneAtATime {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  acquire(response: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      let granted = false;
      let done = false;
      const grant = () => {
        granted = true;
        resolve();
      };
      response.once("close", () => {
        if (done) return;
        done = true;
        if (granted) this.release();
        else {
          const i = this.waiting.indexOf(grant);
          if (i !== -1) this.waiting.splice(i, 1);
        }
      });
      if (response.destroyed || response.writableFinished) {
        // Already over: nothing will be sent, and no "close" is coming to release a permit.
        done = true;
        resolve();
      } else if (this.busy) this.waiting.push(grant);
      else {
        this.busy = true;
        grant();
      }
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}
