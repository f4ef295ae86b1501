// The one error type the KFS tool throws: an errno name (as the kernel would answer) and a message.
// The CLI turns it into one line on stderr and exit status 2.

export type KfsErrorCode =
  | 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'ENOTEMPTY' | 'ENOSPC' | 'EFBIG' | 'EINVAL'
  | 'ENAMETOOLONG' | 'EBUSY' | 'EUCLEAN';

export class KfsError extends Error {
  constructor(readonly code: KfsErrorCode, message: string) {
    super(message);
    this.name = 'KfsError';
  }
}

/** Throws the EUCLEAN error for a corrupt image. */
export function corrupt(what: string): never {
  throw new KfsError('EUCLEAN', `corrupt image: ${what}`);
}
