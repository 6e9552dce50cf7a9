/**
 * The module signature layout the kernel checks (scripts/sign-file appends it): the module bytes, a PKCS#7
 * signature, a 12-byte `struct module_signature` whose last field is the big-endian signature length, and the
 * magic trailer. Pure: splits the bytes so an adapter can check the signature cryptographically.
 */

export const SIGNATURE_MAGIC = "~Module signature appended~\n";

export interface SplitSignature {
  content: Buffer;
  signature: Buffer;
  /** 2 = PKCS#7, the only kind current kernels accept. */
  idType: number;
}

export function splitModuleSignature(bytes: Uint8Array): SplitSignature | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = Buffer.from(SIGNATURE_MAGIC, "latin1");
  if (buf.length < magic.length + 12 || !buf.subarray(buf.length - magic.length).equals(magic))
    return undefined;
  const info = buf.length - magic.length - 12;
  const sigLen = buf.readUInt32BE(info + 8);
  const sigStart = info - sigLen;
  if (sigStart < 0) return undefined;
  return {
    content: buf.subarray(0, sigStart),
    signature: buf.subarray(sigStart, info),
    idType: buf[info + 2]!,
  };
}
