// A company that requires single sign-on: its members cannot sign in with a password, nor reset one.
import { sql } from 'kysely';

/** For a query joined to the member's company as `o`. */
export const ssoNotRequired = sql<boolean>`coalesce((o.sso->>'required')::boolean, false) = false`;
