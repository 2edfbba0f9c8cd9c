#!/usr/bin/env node
// Entry point: the compiled command line in dist/ (built by `npm run build`,
// which `prepare` runs on every install).
import '../dist/cli/run.js';
