// The password-reset code's limits, shared by the API, the activities and the `passwordReset`
// workflow (which may import nothing that touches Node).
export const RESET_CODE_TTL_MS = 15 * 60 * 1000;
export const RESET_CODE_TRIES = 5;
