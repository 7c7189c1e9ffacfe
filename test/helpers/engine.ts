// Start an Engine on free loopback ports for a test, with its logs collected.
import { Engine } from '../../main/engine/engine.ts';
import type { ConfigInput } from '../../app/config/schema.ts';
import type { LogEntry } from '../../main/engine/events.ts';
import { freePort } from './ports.ts';

export interface TestEngine {
  engine: Engine;
  port: number;
  url: string;
  logs: LogEntry[];
  stop(): Promise<void>;
}

/** `build(port)` returns the config document for a listener on 127.0.0.1:port. */
export async function startEngine(build: (port: number) => ConfigInput): Promise<TestEngine> {
  const port = await freePort();
  const engine = new Engine();
  const logs: LogEntry[] = [];
  engine.on('log', (e) => logs.push(e));
  const r = await engine.apply(build(port));
  if (!r.ok) throw new Error(`config rejected: ${JSON.stringify(r.issues)}`);
  if (r.listeners.some((l) => l.state !== 'listening')) throw new Error(`listener failed: ${JSON.stringify(r.listeners)}`);
  return { engine, port, url: `http://127.0.0.1:${port}`, logs, stop: () => engine.stop() };
}

export function oneLocation(port: number, location: Record<string, unknown>, extra: Partial<ConfigInput> = {}): ConfigInput {
  return {
    schemaVersion: 1,
    ...extra,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [location as never] }],
  } as ConfigInput;
}
