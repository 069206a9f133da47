#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm start`/`npm test`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('maestro: not built yet. Run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
require(entry).main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(String((err && err.stack) || err) + '\n'); process.exitCode = 1; },
);
