// A system error's code in words, with the code itself for a search: "no such file (ENOENT)".
// (Codes come from Node's fs in main/ and from a reader handed to the nginx importer; app/ only
// turns them into words.)

const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device', EROFS: 'a read-only file system', EDQUOT: 'over the disk quota', EIO: 'an input/output error',
  EMFILE: 'too many open files', EBUSY: 'the file is busy', EEXIST: 'a file of that name is there',
};

/** `code` in words; `writing`: a missing path is a missing folder (the file itself would be made). */
export function errnoWords(code: string, writing = false): string {
  const words = writing && code === 'ENOENT' ? 'no such folder' : WORDS[code];
  return words ? `${words} (${code})` : code;
}
