// Runtime checks of request params at the boundary (JSON from a page or IPC is untrusted).
import { z } from 'zod';
import { API_LIMITS, SETTINGS_LIMITS, type Params, type RequestName } from './contract.ts';
import { formatPath } from '../config/issues.ts';
import { TOO_DEEP_MESSAGE, tooDeepAt } from '../config/nesting.ts';

const none = z.object({}).strict();
const id = z.number().int().min(1);
/** A draft may be anything a user is mid-way through, but not nested past any config (nesting.ts),
 * nor undefined (IPC carries `{ draft: undefined }`, which JSON cannot: saved, it was the text "undefined"). */
const draft = z.unknown().superRefine((doc, ctx) => {
  if (doc === undefined) return void ctx.addIssue({ code: 'custom', message: 'required: a config document' });
  const at = tooDeepAt(doc);
  if (at) ctx.addIssue({ code: 'custom', message: TOO_DEEP_MESSAGE, path: at });
});

/** A name `setSettings` takes to redact: a header's (an HTTP token), a query parameter's; at most
 * REDACT_NAMES_MAX of each (the capture settings panel checks them as typed: settings-form.ts). */
export const REDACT_NAME_MAX_LENGTH = 200;
export const REDACT_NAMES_MAX = 100;
export const REDACT_HEADER_NAME = z.string().min(1).max(REDACT_NAME_MAX_LENGTH).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name');
export const REDACT_QUERY_NAME = z.string().min(1).max(REDACT_NAME_MAX_LENGTH).regex(/^[^\s&=#?]+$/, 'a query parameter name (no white space, "&", "=", "#" or "?")');

/** The Close frame codes a peer may send (RFC 6455 §7.4: not 1004-1006, 1015, nor outside the ranges),
 * as the session view checks a typed one before it asks. */
export const SENDABLE_CLOSE_CODES = '1000-1003, 1007-1014, or 3000-4999';
export const isSendableCloseCode = (c: number): boolean => Number.isInteger(c) && ((c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999));

export const PARAM_SCHEMAS = {
  getConfig: none,
  setDraft: z.object({ draft }).strict(),
  revertDraft: none,
  apply: z.object({ draft: draft.optional() }).strict(),
  undoApply: none,
  listeners: none,
  upstreamStatus: none,
  sessions: none,
  session: z.object({ id }).strict(),
  watchFrames: z.object({ feed: z.string().min(1).max(64), session: z.union([id, z.null(), z.literal('all')]) }).strict(),
  closeSession: z.object({
    id,
    code: z.number().int().refine(isSendableCloseCode, { message: `a close code a peer may send: ${SENDABLE_CLOSE_CODES}` }),
    reason: z.string().max(123).optional(),
  }).strict(),
  exchanges: none,
  logs: none,
  injectMessage: z.object({ id, direction: z.enum(['client', 'upstream']), opcode: z.enum(['text', 'binary']), data: z.string().max(1024 * 1024) }).strict(),
  replayFrame: z.object({ id, seq: z.number().int().min(0), direction: z.enum(['client', 'upstream']).optional() }).strict(),
  framePayload: z.object({ id, seq: z.number().int().min(0) }).strict(),
  exchangeBody: z.object({ id, side: z.enum(['request', 'response']) }).strict(),
  getSettings: none,
  setSettings: z.object({
    redactHeaders: z.array(REDACT_HEADER_NAME).max(REDACT_NAMES_MAX).optional(),
    redactQuery: z.array(REDACT_QUERY_NAME).max(REDACT_NAMES_MAX).optional(),
    redact: z.boolean().optional(),
    payloadPerMessage: z.number().int().min(SETTINGS_LIMITS.payloadPerMessage[0]).max(SETTINGS_LIMITS.payloadPerMessage[1]).optional(),
    payloadTotal: z.number().int().min(SETTINGS_LIMITS.payloadTotal[0]).max(SETTINGS_LIMITS.payloadTotal[1]).optional(),
    framesPerSession: z.number().int().min(SETTINGS_LIMITS.framesPerSession[0]).max(SETTINGS_LIMITS.framesPerSession[1]).optional(),
  }).strict(),
  exportHar: z.object({ sessionIds: z.array(id).max(10_000).optional() }).strict(),
  importHar: z.object({ text: z.string().max(API_LIMITS.maxImportHarBytes, `the HAR file is too large to import: over the limit of ${API_LIMITS.maxImportHarBytes / 1024 / 1024} Mi characters`) }).strict(),
  exportNginx: z.object({ source: z.enum(['draft', 'applied']), shape: z.enum(['full', 'snippet']) }).strict(),
  testNginx: z.object({ source: z.enum(['draft', 'applied']), shape: z.enum(['full', 'snippet']) }).strict(),
  markExported: z.object({
    text: z.string().max(API_LIMITS.maxRequestBytes / 2), how: z.enum(['copy', 'download', 'mark']),
    source: z.enum(['draft', 'applied']), shape: z.enum(['full', 'snippet']),
  }).strict(),
  lastExport: none,
  saveNginx: z.object({ source: z.enum(['draft', 'applied']), shape: z.enum(['full', 'snippet']) }).strict(),
} satisfies { [K in RequestName]: z.ZodType<Params<K>> };

export type ParamCheck<K extends RequestName> = { ok: true; params: Params<K> } | { ok: false; message: string };

export function checkParams<K extends RequestName>(name: K, input: unknown): ParamCheck<K> {
  const r = (PARAM_SCHEMAS[name] as z.ZodType<Params<K>>).safeParse(input ?? {});
  if (r.success) return { ok: true, params: r.data };
  return { ok: false, message: r.error.issues.map((i) => `${formatPath(i.path.filter((p) => typeof p !== 'symbol')) || 'params'}: ${i.message}`).join('; ') };
}
