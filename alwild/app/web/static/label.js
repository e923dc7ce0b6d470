// The labelling page: label buttons, keyboard shortcuts, idempotent submit, lease renewal.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const csrf = document.getElementById("csrf").value;
  const statusEl = document.getElementById("status");
  const started = Date.now();
  const history = JSON.parse(sessionStorage.getItem("alwild-history-" + page.slug) || "[]");
  let chosen = page.my_label ? page.my_label.value : null;
  let requestId = null;
  let busy = false;
  const boxes = window.BoxTool && document.getElementById("boxes")
    ? new window.BoxTool(document.getElementById("boxes"), page, say) : null;

  function say(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "status" + (kind ? " " + kind : "");
  }

  function newRequestId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function choose(value) {
    chosen = value;
    document.querySelectorAll("#choices .choice").forEach((b) => {
      b.classList.toggle("selected", b.dataset.value === value);
      b.setAttribute("aria-pressed", b.dataset.value === value ? "true" : "false");
    });
  }

  function goNext() {
    window.location.href = "/p/" + encodeURIComponent(page.slug) + "/next";
  }

  async function submit() {
    if (busy || page.readonly) return;
    const body = { seconds: (Date.now() - started) / 1000 };
    if (page.task === "classify") {
      if (!chosen) { say("Pick a label first (keys 1-9).", "error"); return; }
      body.value = chosen;
    } else {
      body.boxes = boxes.boxes();
      body.image_width = page.width;
      body.image_height = page.height;
    }
    if (page.my_label) body.base_version = page.my_label.version;
    requestId = requestId || newRequestId();   // reused on retry: the save is idempotent
    body.request_id = requestId;
    busy = true;
    say("Saving…");
    for (let attempt = 0; attempt < 3; attempt++) {
      let resp;
      try {
        resp = await api("POST", "/api/items/" + page.uid + "/labels", body);
      } catch (err) {
        say("Network problem, retrying…", "error");
        await new Promise((r) => setTimeout(r, 800 * (attempt + 1)));
        continue;
      }
      const data = await resp.json().catch(() => ({}));
      if (resp.ok) {
        say("Saved ✓ (version " + data.version + ")", "ok");
        history.push(page.uid);
        sessionStorage.setItem("alwild-history-" + page.slug, JSON.stringify(history.slice(-50)));
        setTimeout(goNext, 250);
        return;
      }
      busy = false;
      requestId = null;
      if (resp.status === 409 && data.current) {
        say(data.detail + " (current: " + (data.current.value || data.current.boxes.length + " boxes") + ")", "error");
        page.my_label = data.current;
      } else {
        say(data.detail || ("Not saved (HTTP " + resp.status + ")"), "error");
      }
      return;
    }
    busy = false;
    say("Not saved: the server cannot be reached. Your answer is still here; press Enter to retry.", "error");
  }

  async function skip() {
    if (busy) return;
    busy = true;
    await api("POST", "/api/items/" + page.uid + "/skip").catch(() => null);
    goNext();
  }

  function undo() {
    if (boxes && boxes.undo()) return;
    const prev = history.pop();
    if (!prev) { say("Nothing to undo.", ""); return; }
    sessionStorage.setItem("alwild-history-" + page.slug, JSON.stringify(history));
    if (prev === page.uid) { undo(); return; }
    window.location.href = "/p/" + encodeURIComponent(page.slug) + "/items/" + encodeURIComponent(prev);
  }

  document.querySelectorAll("#choices .choice").forEach((b) =>
    b.addEventListener("click", () => choose(b.dataset.value)));
  document.getElementById("submit").addEventListener("click", submit);
  document.getElementById("skip").addEventListener("click", skip);
  document.getElementById("undo").addEventListener("click", undo);

  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[1-9]$/.test(e.key)) {
      const value = page.labels[Number(e.key) - 1];
      if (value === undefined) return;
      if (boxes) boxes.setClass(value); else choose(value);
      e.preventDefault();
    } else if (e.key === "Enter") {
      e.preventDefault(); submit();
    } else if (e.key === "s" || e.key === "S") {
      e.preventDefault(); skip();
    } else if (e.key === "z" || e.key === "Z") {
      e.preventDefault(); undo();
    } else if (boxes && (e.key === "Delete" || e.key === "Backspace")) {
      e.preventDefault(); boxes.deleteSelected();
    }
  });

  function fitImage() {
    const stage = document.getElementById("stage");
    if (!stage || !page.width) return;
    const avail = stage.parentElement.getBoundingClientRect().width - 40;
    const tall = Math.max(240, window.innerHeight - 230);
    const scale = Math.min(avail / page.width, tall / page.height, 6);
    stage.style.width = Math.floor(page.width * scale) + "px";
  }
  fitImage();
  window.addEventListener("resize", fitImage);

  if (chosen) choose(chosen);
  if (!page.readonly && !page.my_label) {
    const every = Math.max(5, page.lease_seconds / 3) * 1000;
    setInterval(() => {
      api("POST", "/api/items/" + page.uid + "/lease").then((r) => {
        if (r.status === 409) say("Your lease expired and the item went to someone else.", "error");
      }).catch(() => null);
    }, every);
  }
})();
