// What a HAR export says about itself: past the size the import reads, the export leaves the oldest
// payloads out and says so in the file's `log.comment` (main/service/har-text.ts); the page shows it
// next to the button that saved the file.

/** How the export's note on payloads it left out begins. */
export const HAR_OMITTED_NOTE = 'Switchyard left out the payloads of';

/** The note of a HAR text Switchyard exported, when it left payloads out; null otherwise. The
 * comment is the log's last member, after the entries: only the text's end is read. */
export function harOmittedNote(text: string): string | null {
  const tail = text.slice(-4096);
  const at = tail.lastIndexOf(`\n    "comment": "${HAR_OMITTED_NOTE}`);
  if (at < 0) return null;
  const m = /^\n {4}"comment": ("(?:[^"\\]|\\.)*")\n {2}\}\n\}$/.exec(tail.slice(at));
  return m ? (JSON.parse(m[1]!) as string) : null;
}
