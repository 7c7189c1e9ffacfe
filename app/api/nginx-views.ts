// What the nginx.conf screen gets from the service besides the text: `nginx -t` on the export, and
// the last export the user took (for the diff).

export type NginxExportSource = 'draft' | 'applied';
export type NginxExportShape = 'full' | 'snippet';

/** `nginx -t` on an export. Line numbers in `output` are the export's own ("nginx.conf:12"). */
export type NginxCheckView =
  | { available: false; message: string }
  | { available: true; ok: boolean; output: string; nginx: string; durationMs: number };

/** The text of the last nginx.conf export the user took, and how. */
export interface LastExportView {
  text: string;
  at: number;
  how: 'copy' | 'download' | 'save' | 'mark';
  source: NginxExportSource;
  shape: NginxExportShape;
  /** Where it is remembered: this process's memory (it is forgotten when Switchyard stops). */
  kept: 'memory';
  /** The file written (Electron's save dialog), else null. */
  path: string | null;
}

/** The file name an export is saved under: a complete nginx.conf, or a snippet to `include`. */
export function exportFileName(shape: NginxExportShape): string {
  return shape === 'full' ? 'nginx.conf' : 'switchyard.conf';
}
