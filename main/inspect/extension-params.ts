// The WebSocket extensions a handshake negotiated, for the frame tap: the handshake response's
// Sec-WebSocket-Extensions parsed, with permessage-deflate's parameters (RFC 7692) and what each
// direction's inflater needs of them (permessage-deflate.ts decodes).
import type { Direction } from './types.ts';

export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** LZ77 window the server compresses with (8-15; 15 when not negotiated). */
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export interface NegotiatedExtensions {
  deflate: DeflateParams | null;
  /** Other extension names: they may use RSV bits the tap cannot know about. */
  others: string[];
  /** What did not parse (the tap then decodes as best it can). */
  errors: string[];
}

/** Parse a Sec-WebSocket-Extensions response value (RFC 6455 §9.1 grammar, quoted values allowed). */
export function parseExtensions(header: string | null | undefined): NegotiatedExtensions {
  const out: NegotiatedExtensions = { deflate: null, others: [], errors: [] };
  if (!header) return out;
  for (const ext of splitOutside(header, ',')) {
    const parts = splitOutside(ext, ';').map((p) => p.trim());
    const name = (parts[0] ?? '').toLowerCase();
    if (name === '') continue;
    if (name !== 'permessage-deflate') {
      out.others.push(name);
      continue;
    }
    if (out.deflate) {
      out.errors.push('permessage-deflate negotiated twice; the first is used');
      continue;
    }
    const d: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    for (const param of parts.slice(1)) {
      if (param === '') continue;
      const eq = param.indexOf('=');
      const key = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
      let value = eq === -1 ? null : param.slice(eq + 1).trim();
      if (value !== null && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      if (key === 'server_no_context_takeover' || key === 'client_no_context_takeover') {
        if (value !== null) out.errors.push(`${key} takes no value`);
        if (key === 'server_no_context_takeover') d.serverNoContextTakeover = true;
        else d.clientNoContextTakeover = true;
      } else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
        const bits = value === null ? NaN : /^\d+$/.test(value) ? Number(value) : NaN;
        if (!(bits >= 8 && bits <= 15)) {
          out.errors.push(`${key} needs a value from 8 to 15${value === null ? '' : ` (got "${value}")`}`);
          continue;
        }
        if (key === 'server_max_window_bits') d.serverMaxWindowBits = bits;
        else d.clientMaxWindowBits = bits;
      } else {
        out.errors.push(`unknown permessage-deflate parameter "${key}"`);
      }
    }
    out.deflate = d;
  }
  return out;
}

function splitOutside(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted && c === '\\' && i + 1 < s.length) {
      cur += c + s[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The inflater settings for messages sent in `direction` (the sender's compressor parameters). */
export function inflaterParams(d: DeflateParams, direction: Direction): { noContextTakeover: boolean; windowBits: number } {
  const bits = direction === 'client' ? d.clientMaxWindowBits : d.serverMaxWindowBits;
  // zlib's raw deflate turns a window of 8 into 9, so a conforming peer's "8" can reach back 512 bytes.
  return { noContextTakeover: direction === 'client' ? d.clientNoContextTakeover : d.serverNoContextTakeover, windowBits: bits < 9 ? 9 : bits };
}
