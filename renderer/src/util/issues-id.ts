// The id of a FieldIssues list (the messages for one path of the draft), which the fields it speaks
// of name in their aria-describedby, so that a screen reader reads the message with the field.
// (Every character but letters and digits is written as _ and its code: distinct paths, distinct ids.)
export const issuesId = (path: string): string => `issues-${path.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;

/** A field's attributes when a message (the element with id `describedBy`) says what is wrong with
 * it: marked, invalid to a screen reader, the message its description; none when `describedBy` is null. */
export const invalidAttrs = (describedBy: string | null) => (describedBy ? { class: 'invalid', 'aria-invalid': true, 'aria-describedby': describedBy } : {});

/**
 * The path one step below `parent` that `path` (at or inside it) is about: "a.b[1]" and
 * "a.b[1].weight.x" give "a.b[1].weight"; `parent` itself for a path at it. A row's list of messages
 * (a server of an upstream, a header) groups them so, each group with the id of its field's path, so
 * that each field of the row is described by its own messages, not by the whole row's.
 */
export function stepBelow(parent: string, path: string): string {
  if (path.length <= parent.length || !path.startsWith(parent)) return parent;
  const step = /^(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])/.exec(path.slice(parent.length));
  return step ? parent + step[0] : parent;
}
