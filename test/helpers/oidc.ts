// A real OpenID provider in the test process (panva's oidc-provider, the library behind many
// production providers), on its own loopback port: its development login form takes any login,
// which becomes the account's id and e-mail. One per company that needs its own issuer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Scope } from './scope.ts';

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** A provider whose one client may send people back to `redirectUri`. */
export async function startOpenIdProvider(t: Scope, options: { redirectUri: string; names?: Record<string, string> }): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = `onboarding-${Math.random().toString(36).slice(2, 8)}`;
  const clientSecret = `secret-${Math.random().toString(36).slice(2)}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [options.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    // The login typed in the development form is the person's e-mail.
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: id, email_verified: true, ...(options.names?.[id] ? { name: options.names[id] } : {}) }) }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-key'] },
  });
  server.on('request', provider.callback());
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { issuer, clientId, clientSecret };
}
