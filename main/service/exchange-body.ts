// What the UI gets of a kept payload or body: its bytes as text when they are UTF-8 (a cut one as far
// as its last whole character), else base64; and an HTTP body's content encoding decoded for
// display when the kept bytes are the whole body (bounded: zlib's maxOutputLength).
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { ExchangeBody, FramePayload } from '../../app/api/contract.ts';
import { findUtf8Error } from '../inspect/validation.ts';
import { completePrefix } from '../inspect/payload.ts';

/** Bytes a body's content encoding is decoded to for display, at most. */
export const DECODED_MAX = 8 * 1024 * 1024;

/** `data` for the UI: as text when `text` is allowed and the bytes are UTF-8 (`truncated`: a
 * character the cut split is left out, as a U+FFFD its sender never sent would be), else base64. */
export function shownBytes(data: Buffer | undefined, truncated: boolean, text = true): Pick<FramePayload, 'encoding' | 'data' | 'bytes'> {
  const asText = text && !(data && findUtf8Error(data, truncated) !== -1);
  const shown = data && asText && truncated ? data.subarray(0, completePrefix(data)) : data;
  return { encoding: asText ? 'text' : 'base64', data: shown ? shown.toString(asText ? 'utf8' : 'base64') : '', bytes: data?.length ?? 0 };
}

/** The first value of header `lower` in raw [name, value, …] pairs. */
export function headerValue(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === lower) return raw[i + 1];
  return undefined;
}

const DECODERS: Record<string, (b: Buffer, o: ZlibOptions) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  br: (b, o) => brotliDecompressSync(b, o),
  // (servers send raw deflate as "deflate" too: zlib-wrapped is tried first, as browsers do)
  deflate: (b, o) => {
    try {
      return inflateSync(b, o);
    } catch (e) {
      // (a zlib stream that decodes to too much is not tried again as raw: that would only fail)
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw e;
      return inflateRawSync(b, o);
    }
  },
};

/** Whether a body of this Content-Type is shown as text (when its bytes are UTF-8): none said,
 * text/*, and the text formats APIs send (JSON, XML, JavaScript, forms, YAML, CSV, GraphQL). */
function textual(type: string | undefined): boolean {
  return type === undefined || /^\s*text\/|json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|csv|graphql/i.test(type);
}

/** What many bodies may decode to in all (a HAR file's): each decode takes what it made, or its
 * limit when it would make more or fails; once none is left, bodies are shown as sent. */
export interface DecodeBudget {
  left: number;
  /** What it started with. */
  readonly of: number;
}

/** A new budget of `bytes`. */
export const decodeBudget = (bytes: number): DecodeBudget => ({ left: bytes, of: bytes });

const MiB = 1024 * 1024;

/** A body's view: `data` its kept start (undefined once evicted), of `total` bytes, with `headers`
 * (the side's own: Content-Type, Content-Encoding); `budget`: shared with other bodies. */
export function bodyView(data: Buffer | undefined, state: 'kept' | 'truncated' | 'evicted', total: number, headers: readonly string[], budget?: DecodeBudget): ExchangeBody {
  const truncated = state === 'truncated';
  const type = headerValue(headers, 'content-type');
  const text = textual(type);
  const v: ExchangeBody = { ...shownBytes(data, truncated, text), total, truncated, evicted: state === 'evicted' };
  if (type !== undefined) v.contentType = type;
  const coding = headerValue(headers, 'content-encoding')?.trim().toLowerCase();
  if (!coding || coding === 'identity') return v;
  v.contentEncoding = coding;
  if (!data) return v;
  const decode = DECODERS[coding];
  if (!decode) v.decodeError = `the ${coding} content coding is not decoded for display`;
  else if (truncated) v.decodeError = 'only the start of the body is kept: it is shown as sent';
  else {
    const max = Math.min(DECODED_MAX, budget?.left ?? DECODED_MAX);
    const spent = `the bodies decoded before it reach ${(budget?.of ?? 0) / MiB} MiB, as many as are decoded together`;
    if (max <= 0) v.decodeError = `it is not decoded: ${spent}`;
    else {
      try {
        const decoded = decode(data, { maxOutputLength: max });
        if (budget) budget.left -= decoded.length;
        v.decoded = shownBytes(decoded, false, text);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // (one that fails may have made up to `max` first: it counts as that much)
        if (budget) budget.left -= max;
        v.decodeError = code !== 'ERR_BUFFER_TOO_LARGE' ? `it does not decode: ${(e as Error).message}` : max < DECODED_MAX ? `it is not decoded whole: ${spent}` : `it decodes to over ${DECODED_MAX / MiB} MiB`;
      }
    }
  }
  return v;
}
