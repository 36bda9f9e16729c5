#!/usr/bin/env node
// The `memsig` executable: the one place that ends the process.

import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// Once the command is done nothing else should run (an idle native thread pool must not keep the process alive).
process.exit();
