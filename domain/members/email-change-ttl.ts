// How long a sign-in address change waits for the new address to confirm: shared by the domain
// and the `emailChange` workflow (which may import nothing that touches Node).
export const EMAIL_CHANGE_TTL_MS = 48 * 3600_000;
