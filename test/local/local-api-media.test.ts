import { createHash } from "node:crypto";
import { LangfuseApiError } from "../../src/api/errors";
import { LocalApi, openLocalStore } from "../../src/local";

test("embedded media: bytes are checked against the announced hash/length/type, stored, and served back", async () => {
  const store = openLocalStore(":memory:");
  const api = new LocalApi(store);
  const bytes = Buffer.from("%PDF-1.4 pretend");
  const sha256Hash = createHash("sha256").update(bytes).digest("base64");
  const { mediaId, uploadUrl } = await api.media.create({ traceId: "t", field: "input", contentType: "application/pdf", contentLength: bytes.length, sha256Hash });
  expect(uploadUrl).toBe(`langfuse-local://media/${mediaId}`);
  expect(() => api.putMediaBytes(mediaId, Buffer.from("tampered bytes!!"), "application/pdf")).toThrow(LangfuseApiError);
  expect(() => api.putMediaBytes(mediaId, bytes, "image/png")).toThrow(/type/);
  expect(() => api.getMediaBytes(mediaId)).toThrow(/not yet uploaded/);
  api.putMediaBytes(mediaId, bytes, "application/pdf");
  expect(api.getMediaBytes(mediaId)).toEqual({ contentType: "application/pdf", bytes });
  expect(await api.media.get(mediaId)).toMatchObject({ mediaId, contentLength: bytes.length, url: `langfuse-local://media/${mediaId}` });
  expect((await api.media.create({ traceId: "t2", field: "output", contentType: "application/pdf", contentLength: bytes.length, sha256Hash })).uploadUrl).toBeNull();
  expect(() => api.putMediaBytes("unknown-media-id-00000", bytes)).toThrow(/not found/);
  store.close();
});
