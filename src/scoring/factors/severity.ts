/**
 * Severity factor Sv (spec 7.5).
 */
import { DEFAULT_SEVERITY_WEIGHT, SEVERITY_BOOSTERS } from "../constants";

/** fatal 1.3, serious 1.1, minor/unknown/anything else 1.0; null or "" counts as unknown. */
export function severityWeight(injurySeverity: string | null | undefined): number {
  const key = injurySeverity ? injurySeverity.toLowerCase() : "unknown";
  return SEVERITY_BOOSTERS.get(key) ?? DEFAULT_SEVERITY_WEIGHT;
}
