// Whether an error means "the database cannot be reached right now" (down, restarting, out of
// connections) rather than "this request is wrong": the API answers the first with 503 and
// Retry-After, so clients retry, instead of a 500 that says the request itself failed.
const CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now (starting up), too many connections, connection exceptions.
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006',
]);
const MESSAGES = /Connection terminated|connection ended|Connection refused|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    // AggregateError (a refused connection on IPv4 and IPv6).
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.some((x) => isDatabaseUnavailable(x))) return true;
  }
  return false;
}
