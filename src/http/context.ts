/** What every handler receives: the itty-router request carrying the isolate's AppContext. */
import type { IRequest } from "itty-router";
import type { WorkerEnv } from "../config";
import { appContext, type AppContext } from "../context";

export type Args = [WorkerEnv, ExecutionContext];
export type AppRequest = IRequest & { app: AppContext };

/** `before` middleware: attaches the AppContext (built once per isolate). */
export const withApp = (request: IRequest, env: WorkerEnv) => {
  (request as AppRequest).app = appContext(env);
};
