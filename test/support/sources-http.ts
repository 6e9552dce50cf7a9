import { createHttpClient } from "../../src/adapters/http.js";
import type { HttpClient } from "../../src/core/headers/types.js";

/** HTTP client for the source-link tests: the project's own client, without retries so faults show at once. */
export async function sourcesHttpClient(): Promise<HttpClient> {
  return createHttpClient({ retries: 0 });
}
