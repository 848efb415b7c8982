// How the access points answered a removed member's Disconnect-Messages, counted without naming
// them: what a company reads (its trail, its webhooks) and what the offboarding e-mail says. The
// access points themselves (any site's, by name and address) are the operator's hardware.
export interface DisconnectCounts {
  points: number;
  confirmed: number;
  noSession: number;
  silent: number;
}

export const countDisconnects = (outcomes: { answer?: string }[]): DisconnectCounts => ({
  points: outcomes.length,
  confirmed: outcomes.filter((o) => o.answer === 'ack').length,
  noSession: outcomes.filter((o) => o.answer === 'nak').length,
  silent: outcomes.filter((o) => o.answer === 'no_answer').length,
});
