// Paths that carry a secret in themselves: an invitation link's token, a printed card's QR code,
// an e-mail change's confirmation. Whoever reads the logs must not be able to use them.
const SECRET_SEGMENTS: RegExp[] = [
  /^(\/v1\/invitations\/|\/invitations\/)[^/]+/,
  /^(\/q\/)[^/]+/,
  /^(\/v1\/email-changes\/|\/email-changes\/)[^/]+/,
];

export function redactPath(path: string): string {
  for (const pattern of SECRET_SEGMENTS) {
    if (pattern.test(path)) return path.replace(pattern, '$1[redacted]');
  }
  return path;
}
