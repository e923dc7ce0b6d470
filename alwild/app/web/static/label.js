// The labelling page: label buttons, keyboard shortcuts, idempotent submit, lease renewal,
// undo (of a box edit, then of the last label or skip), zoom and the model's suggestions.
// An answer not yet saved is kept as a draft in the tab (sessionStorage) when the page goes
// away or a save fails, and comes back when the item is opened again (after a reload, or
// logging in again once the session ended).
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const csrf = document.getElementById("csrf").value;
  const statusEl = document.getElementById("status");
  const started = Date.now();
  const history = new window.LabelHistory(page.slug, csrf);
  const suggested = (page.suggestions || []).find((s) => !s.box);
  let chosen = page.my_label ? page.my_label.value : (suggested ? suggested.label : null);
  const firstChoice = chosen;
  let requestId = null;
  let busy = false;
  let saved = false;
  const draftKey = "alwild-draft-" + page.uid;
  const baseVersion = page.my_label ? page.my_label.version : null;
  const boxes = window.BoxTool && document.getElementById("boxes")
    ? new window.BoxTool(document.getElementById("boxes"), page, say) : null;
  const viewer = document.getElementById("viewer");
  if (viewer && window.Zoom) {
    new window.Zoom(viewer, document.getElementById("stage"), page.width, page.height,
      (scale) => { if (boxes) boxes.setScale(scale); });
  }

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

  function saveDraft() {
    if (saved || page.readonly) return;
    if (boxes ? !boxes.edited() : chosen === firstChoice) return;
    sessionStorage.setItem(draftKey, JSON.stringify(
      { version: baseVersion, value: chosen, boxes: boxes ? boxes.state() : null }));
  }

  function restoreDraft() {
    const draft = JSON.parse(sessionStorage.getItem(draftKey) || "null");
    if (!draft || page.readonly) return;
    if (draft.version !== baseVersion) { sessionStorage.removeItem(draftKey); return; }
    if (boxes && draft.boxes) boxes.restore(draft.boxes); else if (draft.value) chosen = draft.value;
    say("Your unsaved answer on this item is back: check it, then press Enter to save it.", "");
  }

  function goNext() {
    window.location.href = "/p/" + encodeURIComponent(page.slug) + "/next";
  }

  // Enter: save what is on the page. A frame with no boxes is never saved by Enter: that
  // takes the explicit "nothing to report" (N).
  async function submit(nothing) {
    if (busy || page.readonly) return;
    const body = { seconds: (Date.now() - started) / 1000 };
    if (page.task === "classify") {
      if (!chosen) { say("Pick a label first (keys 1-9).", "error"); return; }
      body.value = chosen;
    } else {
      const open = boxes.pending();
      if (open) {
        say(open + " suggestion" + (open > 1 ? "s are" : " is") + " still open (dashed): accept all (A), " +
          "correct or delete them (Del), or reject all (X); then save.", "error");
        return;
      }
      body.boxes = boxes.boxes();
      if (nothing === true && body.boxes.length) {
        say("This image has " + body.boxes.length + " box(es): delete them first to report nothing, " +
          "or press Enter to save them.", "error");
        return;
      }
      if (nothing !== true && !body.boxes.length) {
        say("No boxes drawn. If there is nothing to report on this image, press N " +
          "(Nothing to report); otherwise draw the boxes first.", "error");
        document.getElementById("nothing").classList.add("ask");
        return;
      }
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
        saved = true;
        sessionStorage.removeItem(draftKey);
        say((nothing === true ? "Saved: nothing to report ✓" : "Saved ✓") + " (version " + data.version + ")", "ok");
        history.remember(page.uid, "label");
        setTimeout(goNext, 250);
        return;
      }
      busy = false;
      requestId = null;
      if (resp.status === 409 && data.current) {
        say("Not saved: " + data.detail + " (current: " + (data.current.value || data.current.boxes.length + " boxes") +
          "). Press Enter again to replace it with what this page shows.", "error");
        page.my_label = data.current;
      } else if (resp.status === 401) {
        saveDraft();
        say("Not saved: your session has ended. Your answer is kept: ", "error");
        const again = Object.assign(document.createElement("a"), { textContent: "log in again",
          href: "/login?next=" + encodeURIComponent(window.location.pathname) });
        statusEl.append(again, " and this item reopens with it.");
      } else {
        saveDraft();
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
    const resp = await api("POST", "/api/items/" + page.uid + "/skip").catch(() => null);
    if (resp && resp.ok) {
      history.remember(page.uid, "skip");
      history.tellNextPage("Skipped. Z brings it back.");
    }
    goNext();
  }

  // Z: undo the last box edit; with none left, reopen the last item labelled or skipped
  function undo() {
    if (boxes && boxes.undo()) return;
    history.undo(page.uid, say);
  }

  document.querySelectorAll("#choices .choice").forEach((b) =>
    b.addEventListener("click", () => choose(b.dataset.value)));
  document.getElementById("submit").addEventListener("click", () => submit(false));
  const nothingButton = document.getElementById("nothing");
  if (nothingButton) nothingButton.addEventListener("click", () => submit(true));
  const bind = (id, fn) => { const b = document.getElementById(id); if (b) b.addEventListener("click", fn); };
  bind("accept-all", () => boxes.acceptAll());
  bind("reject-all", () => boxes.rejectAll());
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
      e.preventDefault(); submit(false);
    } else if (boxes && (e.key === "n" || e.key === "N")) {
      e.preventDefault(); submit(true);
    } else if (boxes && (e.key === "a" || e.key === "A")) {
      e.preventDefault(); boxes.acceptAll();
    } else if (boxes && (e.key === "x" || e.key === "X")) {
      e.preventDefault(); boxes.rejectAll();
    } else if (boxes && e.key === "Escape") {
      if (boxes.deselect()) e.preventDefault();
    } else if (e.key === "s" || e.key === "S") {
      e.preventDefault(); skip();
    } else if (e.key === "z" || e.key === "Z") {
      e.preventDefault(); undo();
    } else if (boxes && (e.key === "Delete" || e.key === "Backspace")) {
      e.preventDefault(); boxes.deleteSelected();
    }
  });

  window.addEventListener("pagehide", saveDraft);
  const said = history.takeMessage();
  if (said && !statusEl.textContent.trim()) say(said, "");

  restoreDraft();
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
