// Errors a user can cause. The CLI prints their message as one line and exits non-zero; anything else is a bug.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
