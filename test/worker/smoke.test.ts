import { describe, it, expect } from "vitest";
import { env } from "cloudflare:workers";
describe("worker smoke", () => { it("has bindings", () => { expect(typeof (env as any).WARM_QUEUE.send).toBe("function"); }); });
