// Closing a session with a code through the service, with raw peers that answer the proxy's Close
// at their own pace: every answer is read and logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SwitchyardService } from '../../../main/service/service.ts';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { sleep, until } from '../../helpers/wait.ts';
import type { SessionDetail } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();

/** An engine in front of upstream `port`, its service, and a raw client connection to it. */
async function serviceAndClient(port: number) {
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  const client = net.connect(e.port, '127.0.0.1');
  client.on('error', () => {});
  scope.defer(async () => { client.destroy(); });
  return { e, service, client };
}

test("close with a code: a peer that answers at once and hangs up does not cut off the slower peer's answer, which is logged too", async () => {
  const ANSWER = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
  const closeFrame = (code: number, mask: boolean) => { const p = Buffer.alloc(2); p.writeUInt16BE(code); return encodeFrame(8, p, mask); };
  /** Calls `onClose` at the first Close frame (opcode 8) in what `s` reads after `skip` head bytes. */
  const onCloseFrame = (s: net.Socket, headFirst: boolean, onClose: () => void) => {
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const at = headFirst ? got.indexOf('\r\n\r\n') : -4;
      if (headFirst && at < 0) return;
      if ((got[at + 4] ?? 0) & 0x0f) { if ((got[at + 4]! & 0x0f) === 8) { s.removeAllListeners('data'); s.on('data', () => {}); onClose(); } }
    });
  };
  // the upstream answers the proxy's Close at once and closes its connection
  const up = await startTcpServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write(ANSWER);
      onCloseFrame(s, false, () => s.end(closeFrame(4001, false)));
    });
  });
  scope.defer(up.close);
  const { e, service, client } = await serviceAndClient(up.port);
  // the client answers 150 ms later
  onCloseFrame(client, true, () => setTimeout(() => client.end(closeFrame(4001, true)), 150));
  client.write('GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
  await until(() => e.engine.liveSessions().length === 1);
  const id = e.engine.liveSessions()[0]!.id;
  value(await service.handle('closeSession', { id, code: 4001, reason: '' }));
  await sleep(80); // the frame batch reaches the log
  const after = value<SessionDetail>(await service.handle('session', { id }));
  const closes = after.frames!.filter((f) => f.opcode === 'close').map((f) => [f.from, f.injected === true, f.notForwarded === true]);
  assert.deepEqual(closes.filter(([, injected]) => !injected).sort(), [['client', false, true], ['upstream', false, true]], JSON.stringify(closes));
});

test('close with a code inside a fragmented message: its fragments passed before the Close are not marked notForwarded; one sent after is', async () => {
  const ANSWER = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
  const frame = (opcode: number, fin: boolean, payload: string) => {
    const f = encodeFrame(opcode, Buffer.from(payload), true);
    if (!fin) f[0] = f[0]! & 0x7f;
    return f;
  };
  const closeFrame = () => { const p = Buffer.alloc(2); p.writeUInt16BE(1001); return encodeFrame(8, p, true); };
  const run = async (more: boolean) => {
    const got: Buffer[] = [];
    // the upstream answers the proxy's Close at once and hangs up
    const up = await startTcpServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        s.write(ANSWER);
        s.on('data', (d: Buffer) => {
          got.push(d);
          // (the client's fragment is a 12-byte masked frame: the proxy's Close follows it)
          if (Buffer.concat(got)[12] === 0x88) s.end(Buffer.from([0x88, 0x02, 0x03, 0xe9]));
        });
      });
    });
    scope.defer(up.close);
    const { e, service, client } = await serviceAndClient(up.port);
    // the client answers the proxy's Close when it comes, after one more fragment when `more`
    let head = '';
    client.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const at = head.indexOf('\r\n\r\n');
      if (at >= 0 && head.charCodeAt(at + 4) === 0x88 && !client.writableEnded) client.end(Buffer.concat([...(more ? [frame(0, false, 'part2')] : []), closeFrame()]));
    });
    client.write('GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await until(() => head.includes('\r\n\r\n') && e.engine.liveSessions().length === 1);
    const id = e.engine.liveSessions()[0]!.id;
    client.write(frame(1, false, 'part1-'));
    await sleep(100); // the fragment went by
    value(await service.handle('closeSession', { id, code: 1001, reason: '' }));
    await until(() => e.engine.liveSessions().length === 0, 5000);
    await sleep(80); // the frame batch reaches the log
    const rows = value<SessionDetail>(await service.handle('session', { id })).frames!.filter((f) => f.opcode === 'text');
    return rows.map((f) => [f.fin, f.length, f.notForwarded === true]);
  };
  assert.deepEqual(await run(false), [[false, 6, false]]);
  assert.deepEqual(await run(true), [[false, 11, true]]);
});
