// LP-tracker: warn a minute before the session times out, with "stay signed in".
// The server ends timed-out sessions on every request whatever this script does;
// this only spares a person losing what they were typing.
(() => {
  "use strict";
  const WARN_BEFORE_S = 60;
  const RETRY_S = 30; // after a network error: the server may be back in a moment
  let timer = null;
  // Set when the person leaves the page (a link, a form, logging out): an answer that comes
  // in meanwhile must not send the browser elsewhere than where they are going.
  let leaving = false;

  function schedule(seconds, action) {
    window.clearTimeout(timer);
    timer = window.setTimeout(action, Math.max(0, seconds) * 1000);
  }

  function start(box) {
    const text = box.querySelector("#session-warning-text");
    const button = box.querySelector("[data-stay-signed-in]");

    async function ask(method) {
      // A signed-out session is answered with a redirect to the login page: not followed, since
      // fetching that page would use up the message it shows ("you are logged out").
      const options = {method, credentials: "same-origin", redirect: "manual", headers: {Accept: "application/json"}};
      if (method === "POST") {
        options.headers["X-CSRFToken"] = box.dataset.csrfToken;
      }
      const response = await fetch(box.dataset.statusUrl, options);
      if (response.type === "opaqueredirect" || !response.ok
          || !(response.headers.get("Content-Type") || "").includes("json")) {
        return null; // signed out already (the login page answered)
      }
      return response.json();
    }

    function signedOut() {
      if (!leaving) {
        window.location.assign(box.dataset.loginUrl);
      }
    }

    // Ask the server (another tab may have kept the session alive) and plan the next step.
    async function check() {
      let left;
      try {
        left = await ask("GET");
      } catch {
        schedule(RETRY_S, check); // not an answer (offline, or the page is being left)
        return;
      }
      if (left === null) {
        signedOut();
        return;
      }
      const ending = Math.min(left.idle, left.absolute);
      if (ending <= 0) {
        signedOut();
      } else if (ending > WARN_BEFORE_S + 1) {
        box.hidden = true;
        schedule(ending - WARN_BEFORE_S, check);
      } else {
        const absolute = left.absolute <= left.idle;
        text.textContent = absolute ? text.dataset.absoluteText : text.dataset.idleText;
        button.hidden = absolute;
        box.hidden = false;
        if (!absolute) {
          button.focus();
        }
        schedule(ending, check);
      }
    }

    button.onclick = async () => { // a property, not a listener: start() runs again after the back button
      let left;
      try {
        left = await ask("POST");
      } catch {
        return; // offline: the warning stays, the button can be pressed again
      }
      if (left === null) {
        signedOut();
        return;
      }
      box.hidden = true;
      schedule(Math.min(left.idle, left.absolute) - WARN_BEFORE_S, check);
    };
    check();
  }

  window.addEventListener("beforeunload", () => {
    leaving = true;
    window.clearTimeout(timer);
  });
  window.addEventListener("pageshow", (event) => {
    leaving = false;
    const box = document.getElementById("session-warning");
    if (event.persisted && box) {
      start(box); // back from the browser's cache: ask the server afresh
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("session-warning");
    if (box) {
      start(box);
    }
  });
})();
