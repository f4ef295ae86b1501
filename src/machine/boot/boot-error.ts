// The one error a boot loader reports: the guest image or its modules cannot be booted.
// Its message is a single line meant for a user (the CLI prints it after the file name), never a stack trace.

export class BootError extends Error {
  /** Index into the modules list when the problem is in a module, so the caller can name that file instead of the kernel. */
  readonly moduleIndex: number | undefined;

  constructor(message: string, moduleIndex?: number) {
    super(message);
    this.name = 'BootError';
    this.moduleIndex = moduleIndex;
  }
}
