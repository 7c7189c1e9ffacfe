// The test ports' reservation across processes (test files run side by side): a port one test
// process was handed is not handed to another while the first lives, and is free again after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { freePort, reservePort } from './ports.ts';
import { withEngine } from '../parity/harness.ts';
import { refusedPort } from './upstreams.ts';

const PORTS = fileURLToPath(new URL('./ports.ts', import.meta.url));

/** A child process that takes a free port, prints it, and lives until its stdin ends. */
async function holder(): Promise<{ port: number; exit(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    `const { freePort } = await import(${JSON.stringify(PORTS)}); console.log(await freePort()); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`],
  { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data') as [Buffer];
  return {
    port: Number(line.toString().trim()),
    exit: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

test('a port another test process took is not handed out while it lives, and is once it exits', async () => {
  const other = await holder();
  assert.ok(other.port >= 10_000 && other.port < 32_768, `port ${other.port}`);
  assert.equal(reservePort(other.port), false);
  await other.exit();
  assert.equal(reservePort(other.port), true, 'taken over from the process that exited');
});

test('a port of this process is not handed out again by it', async () => {
  const port = await freePort();
  assert.equal(reservePort(port), false);
});

test('withEngine fails when the engine cannot listen on the model\'s port, rather than run the test against whoever holds it', async () => {
  const port = await freePort();
  const squatter = net.createServer().listen(port, '127.0.0.1');
  await once(squatter, 'listening');
  try {
    const model = { schemaVersion: 1 as const, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] }] };
    await assert.rejects(withEngine(model, async () => 'ran'), /engine could not listen: .*address already in use/);
  } finally {
    squatter.close();
  }
});

test('a refused port is not one a listen(0) of any process can be handed', async () => {
  const dead = await refusedPort();
  assert.ok(dead < 32_768, `port ${dead} is in the kernel's ephemeral range`);
  assert.equal(reservePort(dead), false, 'reserved for this process');
  await assert.rejects(new Promise((resolve, reject) => net.connect(dead, '127.0.0.1').once('connect', resolve).once('error', reject)), /ECONNREFUSED/);
});
