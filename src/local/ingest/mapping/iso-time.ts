/** Timestamps as the store keeps them. */

/**
 * ISO-8601 with milliseconds. `Date#toISOString` dominated mapping profiles; spans of a batch
 * mostly share their second, so the "YYYY-MM-DDTHH:MM:SS." prefix is cached.
 */
let isoSecond = NaN;
let isoPrefix = "";
export function isoOf(msFloat: number): string {
  const ms = Math.floor(msFloat);
  if (!(ms >= 0 && ms < 253402300800000)) return new Date(ms).toISOString();
  const sec = Math.floor(ms / 1000);
  if (sec !== isoSecond) {
    isoSecond = sec;
    isoPrefix = new Date(sec * 1000).toISOString().slice(0, 20);
  }
  const r = ms - sec * 1000;
  return isoPrefix + (r < 10 ? "00" : r < 100 ? "0" : "") + r + "Z";
}
