import { createHash } from "node:crypto";
import { createDebianSnapshotLink } from "../../src/adapters/sources/debian-snapshot.js";
import { createLaunchpadLink } from "../../src/adapters/sources/launchpad.js";
import { fault, type LinkCase, runFaultCases } from "../support/fault-table.js";
import { identity, request, serveLaunchpad, serveSnapshot } from "../support/source-fixtures.js";

/** debian-snapshot and launchpad under injected faults: typed misses, no hang, nothing offered as found. */

const SNAP_NAME = "linux-headers-5.10.0-26-amd64";
const snapFile = createHash("sha1")
  .update(`kmodforge fixture stand-in for ${SNAP_NAME}_5.10.197-1_amd64.deb\n`)
  .digest("hex");

const CASES: LinkCase[] = [
  {
    name: "debian-snapshot",
    serve: (s) => serveSnapshot(s),
    run: (s, ctx, limits) =>
      createDebianSnapshotLink({ limits }).resolve(
        { kind: "debian-snapshot", base: `${s.url}/snapshot` },
        request(identity("debian", "11", "5.10.0-26-amd64"), [
          { name: SNAP_NAME, role: "headers", arch: "target" },
        ]),
        ctx,
      ),
    faults: [
      {
        what: "404 on the version list",
        path: `/snapshot/mr/binary/${SNAP_NAME}/`,
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "500 on binfiles",
        path: `/snapshot/mr/binary/${SNAP_NAME}/5.10.197-1/binfiles`,
        route: fault({ kind: "status", status: 500 }),
        reason: "http-error",
      },
      {
        what: "reset on the file",
        path: `/snapshot/file/${snapFile}`,
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "hang on the version list",
        path: `/snapshot/mr/binary/${SNAP_NAME}/`,
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "truncated file",
        path: `/snapshot/file/${snapFile}`,
        route: { body: Buffer.alloc(500, 7), fault: { kind: "truncate", keepBytes: 10 } },
        reason: "truncated",
      },
      {
        what: "file not matching its sha1 address",
        path: `/snapshot/file/${snapFile}`,
        route: { body: "other bytes" },
        reason: "checksum-mismatch",
      },
      {
        what: "file larger than allowed",
        path: "/unused",
        route: {},
        limits: { maxPackageBytes: 8 },
        reason: "too-large",
      },
      {
        what: "JSON of another shape",
        path: `/snapshot/mr/binary/${SNAP_NAME}/`,
        route: { body: '{"result": "nope"}' },
        reason: "malformed",
      },
    ],
  },
  {
    name: "launchpad",
    serve: (s) => serveLaunchpad(s),
    run: (s, ctx, limits) =>
      createLaunchpadLink({ limits }).resolve(
        { kind: "launchpad", api: `${s.url}/lp/1.0`, archive: "ubuntu" },
        request(
          identity("ubuntu", "22.04", "5.15.0-91-generic"),
          [{ name: "linux-headers-5.15.0-91-generic", role: "headers", arch: "target" }],
          { codename: "jammy" },
        ),
        ctx,
      ),
    faults: [
      {
        what: "500 on getPublishedBinaries",
        path: "/lp/1.0/ubuntu/+archive/primary",
        route: fault({ kind: "status", status: 500 }),
        reason: "http-error",
      },
      {
        what: "hang on getPublishedBinaries",
        path: "/lp/1.0/ubuntu/+archive/primary",
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "reset on binaryFileUrls",
        path: "/lp/1.0/ubuntu/+archive/primary/+binarypub/730001",
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "truncated binaryFileUrls",
        path: "/lp/1.0/ubuntu/+archive/primary/+binarypub/730001",
        route: { body: "[".padEnd(300, " "), fault: { kind: "truncate", keepBytes: 5 } },
        reason: "truncated",
      },
      {
        what: "404 on binaryFileUrls",
        path: "/lp/1.0/ubuntu/+archive/primary/+binarypub/730001",
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "JSON of another shape",
        path: "/lp/1.0/ubuntu/+archive/primary",
        route: { body: '{"entries": 3}' },
        reason: "malformed",
      },
    ],
  },
];

runFaultCases(CASES);
