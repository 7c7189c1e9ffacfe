// The id of a FieldIssues list (the messages for one path of the draft), which the fields it speaks
// of name in their aria-describedby, so that a screen reader reads the message with the field.
// (Every character but letters and digits is written as _ and its code: distinct paths, distinct ids.)
export const issuesId = (path: string): string => `issues-${path.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;

/** A field's attributes when a message (the element with id `describedBy`) says what is wrong with
 * it: marked, invalid to a screen reader, the message its description; none when `describedBy` is null. */
export const invalidAttrs = (describedBy: string | null) => (describedBy ? { class: 'invalid', 'aria-invalid': true, 'aria-describedby': describedBy } : {});
