// What a scanned QR code names: the card's token, whether the code holds it bare or in a link.
/** What a card's QR code may encode: the bare token, or a link whose last path segment or `c` parameter is it. */
export function qrTokenFrom(payload: string): string | undefined {
  const text = payload.trim();
  let token = text;
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      token = url.searchParams.get('c') ?? url.pathname.split('/').filter(Boolean).at(-1) ?? '';
    } catch {
      return undefined;
    }
  }
  return /^[\w-]{6,128}$/.test(token) ? token : undefined;
}
