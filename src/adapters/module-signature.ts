import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VerifyFailedError } from "../core/errors.js";
import { splitModuleSignature } from "../core/verify/signature.js";
import { runProcess } from "./run-process.js";

/** Checks a signed module's PKCS#7 signature against the signing certificate with openssl. */
export async function verifyModuleSignature(signedModule: string, certificate: string): Promise<void> {
  const split = splitModuleSignature(await readFile(signedModule));
  if (!split) throw new VerifyFailedError("signature", "a module signature trailer", "none");
  if (split.idType !== 2)
    throw new VerifyFailedError("signature", "PKCS#7 signature (id type 2)", `id type ${split.idType}`);
  const work = await mkdtemp(join(tmpdir(), "kmodforge-sig-"));
  try {
    await writeFile(join(work, "content"), split.content);
    await writeFile(join(work, "sig.p7"), split.signature);
    const pem = join(work, "cert.pem");
    const conv = await runProcess("openssl", ["x509", "-in", certificate, "-inform", "DER", "-out", pem], {
      timeoutMs: 30_000,
    });
    const certFile = conv.code === 0 ? pem : certificate;
    const r = await runProcess(
      "openssl",
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        join(work, "sig.p7"),
        "-content",
        join(work, "content"),
        "-certfile",
        certFile,
        "-nointern",
        "-noverify",
        "-out",
        "/dev/null",
      ],
      { timeoutMs: 60_000 },
    );
    if (r.code !== 0)
      throw new VerifyFailedError(
        "signature",
        `a valid signature by ${certificate}`,
        r.stderr.trim().split("\n")[0] ?? "invalid",
      );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
