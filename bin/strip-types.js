// Node strips TypeScript types itself only outside node_modules. A cloudburst installed by npm lives in
// one, so bin/cloudburst.js loads this module (in its own process on Node 24, else as the --import hook
// of the Node 24 it hands over to; worker threads get it as --import) to strip the types of this
// package's own sources; anything else loads as usual.
import { readFileSync } from "node:fs";
import module from "node:module";

// Node warns once a thread that module.stripTypeScriptTypes is experimental: the user did not use it, so
// the warning is taken here, on an empty source, and not shown.
const emitWarning = process.emitWarning;
process.emitWarning = () => {};
try {
  module.stripTypeScriptTypes("");
} finally {
  process.emitWarning = emitWarning;
}

const root = new URL("../", import.meta.url).href;
const dependencies = `${root}node_modules/`;

module.registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith(root) && !url.startsWith(dependencies) && url.endsWith(".ts")) {
      const source = module.stripTypeScriptTypes(readFileSync(new URL(url), "utf8"));
      return { format: "module", source, shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
