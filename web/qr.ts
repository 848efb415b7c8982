// QR codes drawn as SVG by the `qrcode` library: crisp when printed at any size, inline in the
// page (shapes with presentation attributes only, which the strict CSP allows).
import Handlebars from 'handlebars';
import QRCode from 'qrcode';

/** An inline SVG of `text`, announced to screen readers as `label`. */
export async function qrSvg(text: string, label: string, className = 'qr'): Promise<Handlebars.SafeString> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return new Handlebars.SafeString(svg.replace('<svg ', `<svg class="${className}" role="img" aria-label="${Handlebars.escapeExpression(label)}" focusable="false" `));
}

// The `WIFI:` text phones read from a QR code (ZXing's format, which Android's camera follows):
// special characters are escaped with a backslash.
const wifiEscape = (text: string) => text.replace(/([\\;,":])/g, '\\$1');

/**
 * "Join this network" for the sites' 802.1X Wi-Fi: WPA2-Enterprise, PEAP with MSCHAPv2 and the
 * member's own username and password (ZXing's enterprise fields E, PH2, I and P).
 */
export function wifiJoinText(wifi: { ssid: string; username: string; password: string }): string {
  return `WIFI:T:WPA2-EAP;S:${wifiEscape(wifi.ssid)};E:PEAP;PH2:MSCHAPV2;I:${wifiEscape(wifi.username)};P:${wifiEscape(wifi.password)};;`;
}
