import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LangfuseError } from "../../src/errors";
import { LocalApi, ingestSpans, openLocalStore } from "../../src/local";
import { MIGRATIONS } from "../../src/local/schema";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lfd-store-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("openLocalStore", () => {
  test("creates parent folders, uses WAL, applies every migration, and keeps data across reopen", async () => {
    const path = join(dir, "a", "b", "langfuse.db");
    const store = openLocalStore(path);
    expect(existsSync(path)).toBe(true);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL, the default with WAL
    expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    await new LocalApi(store).datasets.create({ name: "kept" });
    store.close();
    store.close(); // idempotent
    const again = openLocalStore(path, { synchronous: "FULL" });
    expect(again.db.pragma("synchronous", { simple: true })).toBe(2);
    expect((await new LocalApi(again).datasets.get("kept")).name).toBe("kept");
    again.close();
  });

  test("new stores use 16 KB pages; a store created with SQLite's 4 KB default keeps them and works", async () => {
    const fresh = openLocalStore(join(dir, "fresh.db"));
    expect(fresh.db.pragma("page_size", { simple: true })).toBe(16384);
    // The WAL checkpoint mark is ~40 MB whatever the page size (the pragma counts pages).
    expect(fresh.db.pragma("wal_autocheckpoint", { simple: true })).toBe(2560);
    fresh.close();
    // An older store: created with 4 KB pages and WAL before this version, without our tables.
    const oldPath = join(dir, "old.db");
    const Database = (await import("better-sqlite3")).default;
    const raw = new Database(oldPath);
    raw.pragma("journal_mode = WAL");
    raw.exec("CREATE TABLE kept (x INTEGER)");
    raw.close();
    const old = openLocalStore(oldPath);
    expect(old.db.pragma("page_size", { simple: true })).toBe(4096);
    expect(old.db.pragma("wal_autocheckpoint", { simple: true })).toBe(10240);
    expect(old.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    await new LocalApi(old).datasets.create({ name: "on-4k-pages" });
    expect((await new LocalApi(old).datasets.get("on-4k-pages")).name).toBe("on-4k-pages");
    old.close();
  });

  test(":memory: works and is private to the store", async () => {
    const a = openLocalStore(":memory:");
    const b = openLocalStore(":memory:");
    await new LocalApi(a).datasets.create({ name: "only-in-a" });
    expect((await new LocalApi(b).datasets.list()).data).toEqual([]);
    a.close();
    b.close();
  });

  test("a schema newer than this SDK, a file that is not SQLite, and an empty path are CONFIG errors", () => {
    const newer = join(dir, "newer.db");
    const s = openLocalStore(newer);
    s.db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    s.close();
    expect(() => openLocalStore(newer)).toThrow(/newer/);
    const garbage = join(dir, "garbage.db");
    writeFileSync(garbage, "this is not a database at all, just text ".repeat(100));
    expect(() => openLocalStore(garbage)).toThrow(LangfuseError);
    expect(() => openLocalStore("")).toThrow(LangfuseError);
  });

  test("committed WAL frames are copied into the database file by the checkpointer thread, not by a commit", async () => {
    const path = join(dir, "ckpt.db");
    const store = openLocalStore(path);
    try {
      const fileSize = () => statSync(path).size;
      const before = fileSize();
      // ~2 MB of WAL: far below wal_autocheckpoint (~40 MB), so no commit checkpoints it.
      for (let b = 0; b < 20; b++) {
        ingestSpans(
          store,
          Array.from({ length: 100 }, (_, i) => ({
            traceId: (b * 100 + i).toString(16).padStart(32, "0"),
            spanId: (b * 100 + i).toString(16).padStart(16, "0"),
            name: "s",
            startTimeMs: Date.now(),
            endTimeMs: Date.now(),
            attributes: { "langfuse.observation.input": "x".repeat(500) },
            resource: {},
            scope: { name: "langfuse-sdk" },
          })),
        );
      }
      // Eventually (the thread polls every 50 ms while there is work; 20 s is only a safety net).
      const deadline = Date.now() + 20_000;
      while (fileSize() <= before + 1_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(fileSize()).toBeGreaterThan(before + 1_000_000);
      expect(store.db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect((await new LocalApi(store).observations.list({ limit: 1 })).meta.totalItems).toBe(2000);
    } finally {
      store.close();
    }
    // Reopened at once (the checkpointer of the closed store may still be closing): all there.
    const again = openLocalStore(path);
    expect((await new LocalApi(again).observations.list({ limit: 1 })).meta.totalItems).toBe(2000);
    again.close();
  });

  test("close() leaves only the database file, and nothing touches the folder afterwards", async () => {
    for (const waitBeforeClose of [0, 200]) {
      const sub = join(dir, `close-${waitBeforeClose}`);
      const path = join(sub, "s.db");
      const store = openLocalStore(path);
      await new LocalApi(store).datasets.create({ name: "d" }); // starts the checkpointer thread
      if (waitBeforeClose) await new Promise((r) => setTimeout(r, waitBeforeClose));
      store.close();
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(existsSync(`${path}-shm`)).toBe(false);
      rmSync(sub, { recursive: true });
      await new Promise((r) => setTimeout(r, 300)); // a late checkpointer would re-create files here
      expect(existsSync(sub)).toBe(false);
    }
  });

  test("a closed store refuses transactions with a clear error", () => {
    const s = openLocalStore(":memory:");
    s.close();
    expect(s.closed).toBe(true);
    expect(() => s.transaction(() => 1)).toThrow(/closed/);
  });
});
