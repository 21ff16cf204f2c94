/**
 * Next fire times of a 5-field cron expression in UTC (minute hour day-of-month month day-of-week),
 * as Cloudflare Cron Triggers read it: numbers, `*`, `a-b`, `*\/n`, `a-b/n` and lists. Day-of-month
 * and day-of-week combine with OR when both are restricted (Vixie cron semantics).
 */

function parseField(field: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`invalid cron field "${field}"`);
    const step = m[4] ? Number(m[4]) : 1;
    const lo = m[1] === "*" ? min : Number(m[2]);
    const hi = m[1] === "*" ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : lo;
    if (lo < min || hi > max || lo > hi || step < 1) throw new Error(`cron field "${field}" out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) out.add(v === 7 && max === 7 ? 0 : v);
  }
  return out;
}

export function nextFireTimes(expression: string, from: Date, count: number): Date[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron expression needs 5 fields, got ${fields.length}`);
  const [mi, ho, dom, mo, dow] = fields as [string, string, string, string, string];
  const minutes = parseField(mi, 0, 59);
  const hours = parseField(ho, 0, 23);
  const days = parseField(dom, 1, 31);
  const months = parseField(mo, 1, 12);
  const weekdays = parseField(dow, 0, 7);
  const domAny = dom === "*";
  const dowAny = dow === "*";

  const out: Date[] = [];
  const t = new Date(from.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  // Minute steps, bounded: any valid expression fires within about four years.
  for (let i = 0; i < 4 * 366 * 24 * 60 && out.length < count; i++) {
    const dayOk =
      domAny && dowAny
        ? true
        : domAny
          ? weekdays.has(t.getUTCDay())
          : dowAny
            ? days.has(t.getUTCDate())
            : days.has(t.getUTCDate()) || weekdays.has(t.getUTCDay());
    if (months.has(t.getUTCMonth() + 1) && dayOk && hours.has(t.getUTCHours()) && minutes.has(t.getUTCMinutes())) {
      out.push(new Date(t.getTime()));
    }
    t.setUTCMinutes(t.getUTCMinutes() + 1);
  }
  return out;
}
