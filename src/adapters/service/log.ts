/**
 * Structured logs of the service: one JSON object per line on stderr (`time`, `level`, `msg` and fields), so a log
 * shipper can index them. Values are whatever JSON.stringify makes of them; request bodies are never logged.
 */
export type LogLevel = "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, msg, fields = {}) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}
