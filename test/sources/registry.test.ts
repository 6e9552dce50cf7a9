import { describe, expect, it } from "vitest";
import { createSourceLinks, dispatchLink } from "../../src/adapters/sources/index.js";
import type { SourceByKind, SourceLinkRegistry } from "../../src/core/headers/types.js";
import type { HeaderSource } from "../../src/core/targets.js";

/**
 * The link registry is typed per kind: each implementation receives only its own kind of targets/ link, and
 * `tsc --noEmit` (which checks this file) rejects a mismatched registration or dispatch (the ts-expect-error lines
 * fail the type check the day they stop being errors).
 */

const links = createSourceLinks({ aptStateRoot: "/nonexistent/kmodforge-registry-test" });
const snapshot: SourceByKind["debian-snapshot"] = {
  kind: "debian-snapshot",
  base: "http://snapshot.invalid",
};

describe("link registry", () => {
  it("registers one implementation per kind, under its own kind", () => {
    for (const [kind, impl] of Object.entries(links)) expect(impl.kind).toBe(kind);
  });

  it("dispatches any HeaderSource to the implementation of its kind", () => {
    const sources: HeaderSource[] = [
      snapshot,
      { kind: "explicit-url", templates: ["http://x.invalid/{name}"] },
    ];
    const kinds = sources.map((s) =>
      dispatchLink(links, s.kind, s, (impl, own) => `${impl.kind}:${own.kind}`),
    );
    expect(kinds).toEqual(["debian-snapshot:debian-snapshot", "explicit-url:explicit-url"]);
  });

  it("returns undefined for a kind the registry lacks", () => {
    const partial: SourceLinkRegistry = { "explicit-url": links["explicit-url"] };
    expect(dispatchLink(partial, snapshot.kind, snapshot, () => "called")).toBeUndefined();
  });

  it("rejects mismatched kinds at compile time", () => {
    // @ts-expect-error an apt implementation cannot be registered as the snapshot link
    const wrong: SourceLinkRegistry = { "debian-snapshot": links.apt };
    // @ts-expect-error a snapshot link cannot be dispatched as an apt link
    dispatchLink(links, "apt", snapshot, () => 0);
    expect(wrong).toBeDefined();
  });
});
