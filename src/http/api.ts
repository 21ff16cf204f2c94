/** Public API under /api/v1 (placeholder until the public API lands). */
import type { RouterType, IRequest } from "itty-router";
import type { Args } from "./router";

export function registerApi(_router: RouterType<IRequest, Args>): void {}
