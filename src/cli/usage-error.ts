// A command line the CLI cannot act on: printed with the usage text, exit status 2.
export class UsageError extends Error {}
