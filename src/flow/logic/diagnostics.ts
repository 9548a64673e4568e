// Errors with a source position, reported as `file:line:col: message` (the format compilers use,
// so editors can jump to them).
import type { SourcePos } from "../model/types.ts";

export interface Diagnostic {
  pos: SourcePos;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.pos.file}:${d.pos.line}:${d.pos.col}: ${d.message}`;
}

/** One or more problems in a definition; `message` lists them all, one per line. */
export class FlowDefinitionError extends Error {
  override name = "FlowDefinitionError";
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.diagnostics = diagnostics;
  }
}
