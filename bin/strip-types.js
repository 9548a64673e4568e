// Node strips TypeScript types itself only outside node_modules. A cloudburst installed by npm lives in
// one, so bin/cloudburst.js starts Node with this module as an --import hook (inherited by worker
// threads) that strips the types of this package's own sources; anything else loads as usual.
import { readFileSync } from "node:fs";
import module from "node:module";

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
