/** Small async helpers shared by the Worker's modules. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
