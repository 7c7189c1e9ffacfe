// Exploration (not a test): third-party client batteries (test/parity/python-batteries.ts: aiohttp,
// websocket-client, tornado, and `abuse`, websocket-client's forbidden frames) against
// peer_servers.py's aiohttp and tornado servers, through real nginx running the exported config and
// through the engine with inspection on; prints what each peer saw, marking where nginx and the
// engine differ, and each inspected session's state, violation, decode errors, close and frames.
//   node --import tsx test/parity/more-peers-explore.ts [aiohttp|tornado] [aiohttp|wsclient|tornado|abuse]
// (needs python3-tornado too for tornado)
import { isDeepStrictEqual } from 'node:util';
import type { SessionDetail } from '../../app/api/contract.ts';
import type { SessionView } from '../../app/api/views.ts';
import { SwitchyardService } from '../../main/service/service.ts';
import { withEngine, withNginx } from './harness.ts';
import { value } from '../helpers/service.ts';
import { poll } from '../helpers/wait.ts';
import { freePorts } from '../helpers/ports.ts';
import { batteryModel, runBattery, startPeerServer, type Battery, type BatteryResult } from './python-batteries.ts';

/** The battery through the engine, and every session it opened once all ended (closed or refused). */
function viaEngine(battery: Battery, port: number, up: number): Promise<{ result: BatteryResult; details: SessionDetail[] }> {
  return withEngine(batteryModel(port, up), async (engine) => {
    const service = await SwitchyardService.create(engine, { initialDraft: {} });
    try {
      const result = await runBattery(battery, port, up, 90_000);
      const list = await poll(async () => value<SessionView[]>(await service.handle('sessions', {})), (l) => l.every((s) => s.state === 'closed' || s.state === 'rejected'), 5000);
      // (a compressed message still inflating when its session closed is logged after it)
      await new Promise((r) => setTimeout(r, 1000));
      const details: SessionDetail[] = [];
      for (const s of list) details.push(value<SessionDetail>(await service.handle('session', { id: s.id })));
      return { result, details };
    } finally {
      await service.close();
    }
  });
}

function describeSession(d: SessionDetail): string {
  const s = d.session;
  const f = d.frames ?? [];
  const bad = f.filter((x) => x.decodeError !== undefined).map((x) => x.decodeError);
  const rows = f.map((x) => `${x.from[0]}:${x.opcode}${x.opcode === 'text' || x.opcode === 'binary' ? `(${x.length})` : ''}`).join(' ');
  return `  session ${s.url} ${s.state} ${s.status} by=${s.closedBy} (${s.closeReason}) ext=${s.extensions} violation=${s.violation ?? '-'} decodeErrors=${bad.join('|') || '-'} close=${JSON.stringify(s.closeFrame)}\n     ${rows.slice(0, 400)}`;
}

const [onlyServer, onlyClient] = process.argv.slice(2);
for (const kind of onlyServer ? [onlyServer as 'aiohttp' | 'tornado'] : ['aiohttp', 'tornado'] as const) {
  const server = await startPeerServer(kind);
  try {
    for (const battery of onlyClient ? [onlyClient as Battery] : ['aiohttp', 'wsclient', 'tornado'] as const) {
      const [pN, pE] = await freePorts(2);
      const nginx = await withNginx(batteryModel(pN!, server.port), pN!, () => runBattery(battery, pN!, server.port, 90_000));
      const engine = await viaEngine(battery, pE!, server.port);
      console.log(`\n=== server ${kind}, client ${battery}`);
      for (const k of new Set([...Object.keys(nginx), ...Object.keys(engine.result)])) {
        const same = isDeepStrictEqual(nginx[k], engine.result[k]);
        console.log(`${same ? '  same' : '  DIFF'} ${k}: nginx ${JSON.stringify(nginx[k])}${same ? '' : `\n       engine ${JSON.stringify(engine.result[k])}`}`);
      }
      for (const d of engine.details) console.log(describeSession(d));
    }
  } finally {
    const err = server.stop();
    if (err) console.log(`[${kind} server stderr]\n${err.slice(-3000)}`);
  }
}
