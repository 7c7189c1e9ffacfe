// The API the renderer uses: Electron's preload puts one on window.switchyard; in a plain
// browser page served by the loopback web host, the HTTP + WebSocket client stands in.
import type { SwitchyardApi } from '../../../app/api/contract.ts';
import { createWebClient, type ConnectionState, type WebClient } from './client.ts';

declare global {
  interface Window {
    switchyard?: SwitchyardApi & Partial<Pick<WebClient, 'onConnection'>>;
  }
}

const client: SwitchyardApi & Partial<Pick<WebClient, 'onConnection'>> = window.switchyard ?? createWebClient();

export const api: SwitchyardApi = client;
export function onConnection(listener: (s: ConnectionState) => void): () => void {
  if (client.onConnection) return client.onConnection(listener);
  listener('open');
  return () => {};
}
export type { ConnectionState };
