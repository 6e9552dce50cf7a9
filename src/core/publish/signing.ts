import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { KmodforgeError } from "../errors.js";

/**
 * Index signatures: ed25519, detached, over the exact bytes of a document generation (64 raw bytes, the form
 * `openssl pkeyutl -sign -rawin` writes and `openssl pkeyutl -verify -rawin` checks). Keys are PEM (PKCS#8 private,
 * SPKI public), as `kmodforge keygen` or `openssl genpkey -algorithm ed25519` write them.
 */

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519")
    throw new KmodforgeError("CONFIG_INVALID", `${what} is a ${key.asymmetricKeyType} key; expected ed25519`);
  return key;
}

export function privateSigningKey(pem: string | Buffer): KeyObject {
  try {
    return ed25519(createPrivateKey(pem), "the signing key");
  } catch (err) {
    if (err instanceof KmodforgeError) throw err;
    throw new KmodforgeError(
      "CONFIG_INVALID",
      `the signing key is not a PEM private key: ${(err as Error).message}`,
    );
  }
}

/** A public key from a public PEM (or the public half of a private one). */
export function publicSigningKey(pem: string | Buffer): KeyObject {
  try {
    return ed25519(createPublicKey(pem), "the public key");
  } catch (err) {
    if (err instanceof KmodforgeError) throw err;
    throw new KmodforgeError("CONFIG_INVALID", `the public key is not a PEM key: ${(err as Error).message}`);
  }
}

export function signDocument(key: KeyObject, bytes: Uint8Array): Buffer {
  return sign(null, bytes, key);
}

export function verifyDocument(key: KeyObject, bytes: Uint8Array, signature: Uint8Array): boolean {
  return signature.length === 64 && verify(null, bytes, key, signature);
}

export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
