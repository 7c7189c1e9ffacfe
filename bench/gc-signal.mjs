// Preloaded (`node --expose-gc --import bench/gc-signal.mjs ...`) into the node proxies by the bench:
// on SIGUSR2, run a full GC and report memoryUsage() on stderr as one `bench-gc {json}` line.
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') { globalThis.gc(); globalThis.gc(); }
  process.stderr.write(`bench-gc ${JSON.stringify(process.memoryUsage())}\n`);
});
