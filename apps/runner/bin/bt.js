#!/usr/bin/env node
// The `bt` command. A committed launcher, so npm links it at install time, before the first build.
import '../dist/cli.js';
