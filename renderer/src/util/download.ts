// Saving text the page made as a file: a Blob behind an <a download> (the browser's download; in
// Electron the shell's default download handling, a save dialog).

export function downloadText(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "switchyard-2026-12-05T10-30-00.har" (local time, to the second), or "switchyard-session-7.har". */
export function harFileName(sessionId?: number, now = new Date()): string {
  if (sessionId !== undefined) return `switchyard-session-${sessionId}.har`;
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}T${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`;
  return `switchyard-${stamp}.har`;
}
