#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456 node
// The `memsig` executable: the one place that ends the process.
// The shebang sets glibc's allocator for the process (glibc reads it only at start): onnxruntime-node copies every
// product's output into a fresh buffer, and glibc's defaults give those megabytes back to the kernel and fault them
// in again on every product (docs/engine.md, "Matrix products and the allocator"); the decoders ran 1.3–1.9× slower.

import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// Once the command is done nothing else should run (an idle native thread pool must not keep the process alive).
process.exit();
