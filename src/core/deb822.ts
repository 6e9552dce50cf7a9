/** Reads deb822 stanzas (apt-cache show, Packages, Release): `Key: value` fields, continuation lines, blank-line separated. */
export function parseDeb822(text: string): Array<Record<string, string>> {
  const stanzas: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  let lastKey: string | undefined;
  for (const line of text.replace(/\r/g, "").split("\n")) {
    if (line.trim() === "") {
      if (Object.keys(current).length) stanzas.push(current);
      current = {};
      lastKey = undefined;
    } else if (/^[ \t]/.test(line) && lastKey) {
      current[lastKey] = `${current[lastKey]}\n${line.trim()}`;
    } else {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      lastKey = line.slice(0, colon);
      current[lastKey] = line.slice(colon + 1).trim();
    }
  }
  if (Object.keys(current).length) stanzas.push(current);
  return stanzas;
}
