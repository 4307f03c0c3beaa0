import { createHash } from "node:crypto";
import { MediaUrlSigner } from "../../src/server/media-url-signer";
import { startHarness, type Harness } from "./server-harness";

/**
 * Media bytes are served like presigned bucket URLs, never as a page of the server's origin:
 * before, `GET /media-bytes/{id}` needed no auth, served an uploaded text/html page inline
 * without `nosniff` and reflected any Origin in its CORS header (stored XSS).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const XSS = Buffer.from("<html><script>fetch('/api/public/traces').then(r=>r.text()).then(alert)</script></html>");

async function upload(bytes: Buffer, contentType: string): Promise<{ mediaId: string; uploadUrl: string }> {
  const sha256Hash = createHash("sha256").update(bytes).digest("base64");
  const created = await h.call("POST", "/api/public/media", { body: { traceId: "t-media", field: "input", contentType, contentLength: bytes.length, sha256Hash } });
  expect(created.status).toBe(201);
  const { mediaId, uploadUrl } = created.json as { mediaId: string; uploadUrl: string };
  const unsigned = uploadUrl.split("?")[0]!;
  expect((await fetch(unsigned, { method: "PUT", headers: { "content-type": contentType }, body: new Uint8Array(bytes) })).status).toBe(401);
  const put = await fetch(uploadUrl, { method: "PUT", headers: { "content-type": contentType }, body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);
  return { mediaId, uploadUrl };
}

test("an uploaded HTML page is never served as a page: signed URL or auth, attachment, nosniff, sandbox, no CORS", async () => {
  const { mediaId, uploadUrl } = await upload(XSS, "text/html");
  const meta = await h.call("GET", `/api/public/media/${mediaId}`);
  const url = (meta.json as { url: string }).url;
  expect(url).toMatch(/\/media-bytes\/[^?]+\?expires=\d+&sig=[\w-]+$/);

  const res = await fetch(url, { headers: { origin: "https://evil.test" } });
  expect(res.status).toBe(200);
  expect(Buffer.from(await res.arrayBuffer())).toEqual(XSS);
  expect(res.headers.get("content-type")).toBe("application/octet-stream");
  expect(res.headers.get("content-disposition")).toMatch(/^attachment/);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("content-security-policy")).toContain("sandbox");
  expect(res.headers.get("access-control-allow-origin")).toBeNull();

  const bare = url.split("?")[0]!;
  expect((await fetch(bare)).status).toBe(401);
  expect((await fetch(url.replace(/sig=.{4}/, "sig=AAAA"))).status).toBe(401);
  // The upload URL's signature is for PUT only.
  expect((await fetch(uploadUrl)).status).toBe(401);
  const wrongAuth = await fetch(bare, { headers: { authorization: "Basic " + Buffer.from("pk:wrong").toString("base64") } });
  expect(wrongAuth.status).toBe(401);
  const withAuth = await fetch(bare, { headers: { authorization: h.basic } });
  expect(withAuth.status).toBe(200);
  expect(withAuth.headers.get("content-type")).toBe("application/octet-stream");
});

test("images, audio and plain text are served inline with their own type; SVG (which can hold script) is not", async () => {
  const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
  const { mediaId } = await upload(png, "image/png");
  const url = ((await h.call("GET", `/api/public/media/${mediaId}`)).json as { url: string }).url;
  const res = await fetch(url);
  expect(res.headers.get("content-type")).toBe("image/png");
  expect(res.headers.get("content-disposition")).toBeNull();

  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  const s = await upload(svg, "image/svg+xml");
  const svgRes = await fetch(((await h.call("GET", `/api/public/media/${s.mediaId}`)).json as { url: string }).url);
  expect(svgRes.headers.get("content-type")).toBe("application/octet-stream");
  expect(svgRes.headers.get("content-disposition")).toMatch(/^attachment/);
});

test("signed URLs expire and are bound to their method and id", () => {
  let now = 1_000_000;
  const signer = new MediaUrlSigner(60_000, () => now);
  const url = new URL(signer.sign("http://127.0.0.1/media-bytes/abc", "GET", "abc"));
  const query = Object.fromEntries(url.searchParams);
  expect(signer.verify("GET", "abc", query)).toBe(true);
  expect(signer.verify("PUT", "abc", query)).toBe(false);
  expect(signer.verify("GET", "abd", query)).toBe(false);
  expect(signer.verify("GET", "abc", { ...query, expires: String(now + 3_600_000) })).toBe(false);
  expect(new MediaUrlSigner(60_000, () => now).verify("GET", "abc", query)).toBe(false);
  now += 60_001;
  expect(signer.verify("GET", "abc", query)).toBe(false);
});
