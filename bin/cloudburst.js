#!/usr/bin/env node
// The sources are TypeScript run directly by Node 24's type stripping: no build step.
import { main } from "../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
