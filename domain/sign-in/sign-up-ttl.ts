// Apart, so the sign-up workflow (bundled) reads it without importing the domain.
/** How long a sign-up link works. */
export const SIGN_UP_LINK_TTL_MS = 24 * 3600 * 1000;
