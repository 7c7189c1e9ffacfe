// HTTP bodies in HAR files: the export writes a request's kept body as `request.postData` (mimeType,
// text) and a response's as `response.content.text` ("encoding": "base64" when its bytes are not
// UTF-8), as browsers write them: the content decoded from its Content-Encoding when the whole body
// was kept and decodes, else the bytes as sent (`_switchyard.asSent`). What the text does not say
// goes in `_switchyard`: the whole body's size, a body cut at the per-message cap (`payload:
// 'truncated'`, `keptBytes`) or evicted (`payload: 'evicted'`, no text). The import reads those
// back, from its own files and from Chrome's (whose content is decoded) alike.
import { z } from 'zod';
import type { ExchangeBody } from '../../app/api/contract.ts';
import { base64Error } from '../../app/text/base64.ts';
import { DECODED_MAX, bodyView, headerValue, type DecodeBudget } from './exchange-body.ts';

/** A body's fields in a HAR file (postData's or content's, beside their mimeType and sizes). */
function harBody(b: ExchangeBody) {
  const shown = b.decoded ?? b;
  const marks = {
    total: b.total,
    ...(b.omitted ? { omitted: true } : {}),
    ...(b.evicted ? { payload: 'evicted' as const } : b.truncated ? { payload: 'truncated' as const, keptBytes: b.bytes } : {}),
    ...(b.contentEncoding && !b.decoded && !b.evicted ? { asSent: true } : {}),
  };
  return { text: b.evicted ? '' : shown.data, ...(shown.encoding === 'base64' && !b.evicted ? { encoding: 'base64' } : {}), _switchyard: marks };
}

/** `request.postData` for a kept request body. */
export function postData(b: ExchangeBody) {
  return { mimeType: b.contentType ?? 'application/octet-stream', ...harBody(b) };
}

/** `response.content` with a kept response body (`content`: the entry's without one). */
export function content(base: { size: number; mimeType: string }, b: ExchangeBody) {
  // (HAR's size is the content's, decoded; compression what the encoding saved)
  return { ...base, ...(b.decoded ? { size: b.decoded.bytes, compression: b.decoded.bytes - b.total } : {}), ...harBody(b) };
}

const marks = z.object({ total: z.number().int().min(0).optional(), payload: z.enum(['truncated', 'evicted']).optional(), keptBytes: z.number().int().min(0).optional(), asSent: z.literal(true).optional(), omitted: z.literal(true).optional() }).optional();
/** What the import reads of a body: postData, or content (Chrome's may have no text). */
export const harBodySchema = z.object({
  mimeType: z.string().optional(), text: z.string().optional(), encoding: z.string().optional(), _switchyard: marks,
  // (HAR 1.2: a posted form's parameters, which some tools write instead of its text)
  params: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
}).superRefine((b, ctx) => {
  // (checked, as a message's data is: Node's decoder would take anything, app/text/base64.ts)
  const bad = b.encoding === 'base64' && b.text !== undefined ? base64Error(b.text) : null;
  if (bad) ctx.addIssue({ code: 'custom', path: ['text'], message: `not base64 (its encoding says it is): ${bad}` });
}).optional();
type HarBodyIn = z.infer<typeof harBodySchema>;

/** What an import's bodies kept as sent may decode to in all: a file's own are those that did not
 * decode when it was written, and a few bytes of brotli decode to megabytes each. */
export const IMPORT_DECODED_MAX = 2 * DECODED_MAX;

/** A form's body from its parameters (a file with `params` and no `text`), urlencoded as a browser
 * posts it. */
function formText(params: NonNullable<HarBodyIn>['params']): string | undefined {
  return params?.length ? new URLSearchParams(params.map((p): [string, string] => [p.name, p.value ?? ''])).toString() : undefined;
}

/** A body as the UI shows it, from a file's postData or content: `headers` are the side's, `size`
 * the body's size as the entry gives it; `budget` what the file's bodies may still decode to.
 * Undefined when the file has none. */
export function importedBody(b: HarBodyIn, headers: readonly string[], size: number, budget: DecodeBudget): ExchangeBody | undefined {
  if (!b) return undefined;
  const own = b._switchyard;
  const total = own?.total ?? size;
  if (own?.payload === 'evicted') return { ...bodyView(undefined, 'evicted', total, headers), ...(own.omitted ? { omitted: true as const } : {}) };
  const text = b.text ?? formText(b.params);
  if (text === undefined || (text === '' && total === 0)) return undefined;
  const base64 = b.encoding === 'base64' && b.text !== undefined;
  const bytes = Buffer.from(text, base64 ? 'base64' : 'utf8');
  // (a text decoded from its content coding, as browsers write it: shown as it is, its coding named
  // by the headers alone)
  let side = own?.asSent ? [...headers] : headers.filter((_, i, all) => (i % 2 === 0 ? all[i] : all[i - 1])!.toLowerCase() !== 'content-encoding');
  // (the file's mimeType, when the headers name none: Chrome writes it apart)
  if (b.mimeType && headerValue(side, 'content-type') === undefined) side = ['Content-Type', b.mimeType, ...side];
  return bodyView(bytes, own?.payload === 'truncated' ? 'truncated' : 'kept', own?.asSent || own?.payload ? total : bytes.length, side, budget);
}
