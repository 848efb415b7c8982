// The link in a host's approval e-mail: the walk-in's visit id, signed. Whoever holds the e-mail
// may answer (as with an invitation link); opening it decides nothing, the page's POST does. The
// signature is the one invitation links carry: a visit's id names no auth token, nor the reverse.
import type { Secrets } from '../secrets.ts';

export const visitAnswerToken = (secrets: Secrets, visitId: string) => secrets.signToken(visitId);

/** The visit a token names, or undefined when the signature is not ours. */
export const visitOfAnswerToken = (secrets: Secrets, token: string): string | undefined => secrets.verifyToken(token);
