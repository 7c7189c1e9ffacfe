// Reading the service's answers in tests.
import assert from 'node:assert/strict';

/** The value of a service answer (`service.handle(...)`), failing the test with its error when it is not ok. */
export function value<T>(r: { ok: boolean; value?: unknown; error?: { code: string; message: string } }): T {
  assert.ok(r.ok, JSON.stringify(r.error));
  return r.value as T;
}
