// The one Node built-in the Worker uses, on purpose: AsyncLocalStorage (Workers provide it under
// the nodejs_compat flag). Declared here because the Worker's tsconfig has no Node types, so any
// other `node:` import fails the type check.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
