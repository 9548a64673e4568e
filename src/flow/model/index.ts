// The flow model: types and tree helpers. Stable: the engine builds on it.
export * from "./tree.ts";
export * from "./types.ts";
