// Passkeys: "Add a passkey" on the profile and "Sign in with a passkey" on the sign-in page, with
// SimpleWebAuthn's browser library (served beside this file) against the JSON API. The buttons
// stay hidden where the browser cannot do WebAuthn; without JavaScript the password still works.
const webauthn = window.SimpleWebAuthnBrowser;

async function post(url, body, csrf) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (response.headers.get('content-type') || '').includes('json') ? await response.json() : {};
  if (!response.ok) throw new Error(answer.detail || answer.title || String(response.status));
  return answer;
}

for (const button of document.querySelectorAll('[data-passkey]')) {
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) continue;
  button.hidden = false;
  const status = document.getElementById(button.dataset.status);
  button.addEventListener('click', async () => {
    status.textContent = '';
    button.disabled = true;
    try {
      if (button.dataset.passkey === 'add') {
        const csrf = button.dataset.csrf;
        const { challengeId, options } = await post('/v1/me/passkeys/options', undefined, csrf);
        const response = await webauthn.startRegistration({ optionsJSON: options });
        const name = document.getElementById(button.dataset.nameField)?.value.trim() || button.dataset.defaultName;
        await post('/v1/me/passkeys', { challengeId, response, name }, csrf);
        location.assign('/me?done=passkey_added');
      } else {
        const { challengeId, options } = await post('/v1/auth/passkeys/options');
        const response = await webauthn.startAuthentication({ optionsJSON: options });
        await post('/v1/auth/passkeys/sign-in', { challengeId, response });
        location.assign(button.dataset.next || '/');
      }
    } catch (error) {
      status.textContent = `${button.dataset.failed} ${error.message}`;
      button.disabled = false;
    }
  });
}
