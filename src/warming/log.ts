/** Structured logs: one JSON line per event, never secrets (no tokens, no connection strings). */
export function logEvent(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
}
