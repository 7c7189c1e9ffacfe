/** The flags on the shebang line of ROOT/bin/switchyard.js (after `env -S node`). */
export function switchyardNodeFlags(root: string): string[];
