#!/usr/bin/env node
// The `weir` command: the compiled CLI lives in lib/ (built by `npm run build`, run on install).
import('../lib/cli/main.js').then(
  (cli) => cli.main(process.argv.slice(2)).then((code) => process.exit(code)),
  (e) => {
    console.error(`weir: the CLI is not built (${e?.message ?? e}); run npm run build`);
    process.exit(2);
  },
);
