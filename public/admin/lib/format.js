/**
 * Formatting for the console: durations, percentages, times in UTC and in a given time zone, and
 * run statuses (known ones get a tone, unknown ones are shown as they are). No DOM: imported by the
 * page and by the Node unit tests.
 */

/**
 * A duration for people: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min"; "—" when unknown.
 * @param {number | null | undefined} ms
 */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalSeconds = Math.round(s);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    return `${m} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, "0")} min`;
}

/**
 * "42.5 %" (one decimal at most, clamped to 0…100).
 * @param {number | null | undefined} percent
 */
export function formatPercent(percent) {
  const p = clampPercent(percent);
  return `${Number.isInteger(p) ? p : p.toFixed(1)} %`;
}

/** @param {number | null | undefined} percent */
export function clampPercent(percent) {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, Math.round(percent * 10) / 10));
}

/**
 * A time in a time zone as "YYYY-MM-DD HH:MM ZONE" (24-hour clock, the zone's short name), e.g.
 * "2026-12-01 17:00 MST"; "—" for a missing or invalid time.
 * @param {string | number | Date | null | undefined} when
 * @param {string} timeZone an IANA name such as "UTC" or "Europe/Zurich"
 */
export function formatInZone(when, timeZone) {
  if (when === null || when === undefined) return "—";
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return "—";
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(d);
  /** @param {string} type */
  const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")} ${part("timeZoneName")}`;
}

/**
 * "in 3 h 20 min" / "12 s ago" relative to now.
 * @param {string | number | Date} when
 * @param {number} nowMs
 */
export function formatRelative(when, nowMs) {
  const t = when instanceof Date ? when.getTime() : new Date(when).getTime();
  if (Number.isNaN(t)) return "—";
  const delta = t - nowMs;
  if (Math.abs(delta) < 1000) return "now";
  const text = formatDuration(Math.abs(delta));
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/** @typedef {"ok" | "warn" | "bad" | "busy" | "neutral"} Tone */

/** @type {Record<string, { label: string, tone: Tone }>} */
const STATUSES = {
  queued: { label: "queued", tone: "busy" },
  running: { label: "running", tone: "busy" },
  succeeded: { label: "succeeded", tone: "ok" },
  partial: { label: "partial", tone: "warn" },
  failed: { label: "failed", tone: "bad" },
};

/**
 * How to show a run status. Statuses this page does not know (a newer Worker may add some, such as
 * "abandoned") are shown as the server wrote them, in a neutral tone.
 * @param {unknown} status
 * @returns {{ label: string, tone: Tone, known: boolean }}
 */
export function statusInfo(status) {
  const key = typeof status === "string" ? status : "";
  const known = Object.hasOwn(STATUSES, key) ? STATUSES[key] : undefined;
  if (known) return { ...known, known: true };
  const label = key.trim().slice(0, 40) || "unknown";
  return { label, tone: "neutral", known: false };
}

/**
 * The schedule's next ticks (ISO strings) in UTC and in the browser's zone.
 * @param {readonly string[]} ticks
 * @param {string} timeZone
 * @param {number} nowMs
 */
export function scheduleRows(ticks, timeZone, nowMs) {
  return ticks.map((iso) => ({ iso, utc: formatInZone(iso, "UTC"), local: formatInZone(iso, timeZone), relative: formatRelative(iso, nowMs) }));
}

/**
 * "12 / 12" with a tone: all cached ok, some warn, none bad (nothing expected: neutral).
 * @param {number} cached
 * @param {number} expected
 * @returns {{ text: string, tone: Tone, percent: number }}
 */
export function coverage(cached, expected) {
  if (!expected) return { text: `${cached} / 0`, tone: "neutral", percent: 0 };
  const percent = clampPercent((cached / expected) * 100);
  const tone = cached >= expected ? "ok" : cached === 0 ? "bad" : "warn";
  return { text: `${cached} / ${expected}`, tone, percent };
}
