// A company's colour is its e-mails' header and its pages' header: the text put on it must stay
// readable whatever colour an admin picks.

/** Text readable on a background of `hex` (#rrggbb): dark on light colours, white on dark ones. */
export function textColorOn(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return luminance > 0.4 ? '#111827' : '#ffffff';
}
