// Signature login (purpose ggzy-login-v1). The page asks the platform for a one-time challenge,
// has it signed by the holder's local signing agent on 127.0.0.1 (or by `ggzy-bid login-sign` on
// the command line), and posts the signature back. The private key never reaches this page.
(function () {
  "use strict";
  const box = document.getElementById("signature-login");
  if (!box) return;
  const messages = JSON.parse(document.getElementById("sig-messages").textContent);
  const status = document.getElementById("sig-status");
  const username = document.getElementById("id_username");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  let manualChallenge = null;

  function show(text, kind) {
    status.className = "mt-3 alert alert-" + (kind || "danger");
    status.textContent = text;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || messages.failed);
    return data;
  }

  async function challenge() {
    const name = username.value.trim();
    if (!name) throw new Error(messages.username);
    return post(box.dataset.challenge, { username: name });
  }

  async function finish(nonce, signature) {
    const done = await post(box.dataset.login, { nonce: nonce, signature: signature, next: box.dataset.next || "" });
    show(messages.welcome, "success");
    // An account that needs a second factor is not signed in yet: the platform names the next step.
    window.location.assign(done.next || box.dataset.next || "/");
  }

  async function withAgent() {
    const issued = await challenge();
    let answer;
    const toSign = { purpose: issued.purpose, payload: issued.payload };
    try {
      answer = await fetch(box.dataset.agent + "/v1/sign", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(toSign),
      });
    } catch (error) {
      throw new Error(messages.no_agent);
    }
    const signed = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(messages["agent_" + signed.error] || messages.agent_refused);
    await finish(issued.payload.nonce, signed.signature);
  }

  function guard(action) {
    return async function () {
      status.className = "mt-3";
      status.textContent = messages.working;
      try {
        await action();
      } catch (error) {
        show(error.message);
      }
    };
  }

  document.getElementById("sig-agent").addEventListener("click", guard(withAgent));
  document.getElementById("sig-get").addEventListener("click", guard(async function () {
    const issued = await challenge();
    manualChallenge = { purpose: issued.purpose, payload: issued.payload };
    document.getElementById("sig-challenge").textContent = JSON.stringify(manualChallenge);
    const qr = document.getElementById("sig-qr");
    qr.src = issued.qr;
    qr.hidden = false;
    status.className = "mt-3";
    status.textContent = messages.copy;
  }));
  document.getElementById("sig-submit").addEventListener("click", guard(async function () {
    if (!manualChallenge) throw new Error(messages.no_challenge);
    const signature = document.getElementById("sig-signature").value.trim().toLowerCase();
    if (!/^[0-9a-f]{128}$/.test(signature)) throw new Error(messages.bad_signature);
    await finish(manualChallenge.payload.nonce, signature);
  }));
})();
