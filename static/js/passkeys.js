// Loaded as a file beside django-otp-webauthn's script: the CSP forbids inline script.

// After a passkey is added, go on to the next page (recovery codes when it is the first second
// factor).
document.addEventListener("otp_webauthn.register_complete", () => {
  const added = document.getElementById("passkey-added");
  if (added) {
    window.location.assign(added.dataset.url);
  }
});

// A refused passkey counts like a wrong code; after too many the server logs out and locks this
// address for a while: reload, and the login page says what to do.
document.addEventListener("otp_webauthn.verification_failed", (event) => {
  if (event.detail.response && event.detail.response.status === 429) {
    window.location.reload();
  }
});
