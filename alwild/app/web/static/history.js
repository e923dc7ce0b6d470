// The labeller's history of labels and skips in one project (sessionStorage, last 50), shared
// by the item page and the "nothing left" page: Z reopens the last item labelled (to edit it)
// or skipped (the skip is withdrawn first). On the "nothing left" page it binds Z itself.
(function () {
  "use strict";

  class LabelHistory {
    constructor(slug, csrf) {
      this.slug = slug;
      this.csrf = csrf;
      this.key = "alwild-history-" + slug;
    }

    // read at each use: another of the labeller's pages may have changed it (an entry of
    // an older version of the page is a bare uid, of a label)
    entries() {
      return JSON.parse(sessionStorage.getItem(this.key) || "[]")
        .map((e) => (typeof e === "string" ? { uid: e, action: "label" } : e));
    }

    save(entries) {
      sessionStorage.setItem(this.key, JSON.stringify(entries.slice(-50)));
    }

    remember(uid, action) {
      this.save([...this.entries(), { uid: uid, action: action }]);
    }

    // the message the next page shows once (in its status line)
    tellNextPage(text) {
      sessionStorage.setItem("alwild-said-" + this.slug, text);
    }

    takeMessage() {
      const said = sessionStorage.getItem("alwild-said-" + this.slug);
      sessionStorage.removeItem("alwild-said-" + this.slug);
      return said;
    }

    itemUrl(uid) {
      return "/p/" + encodeURIComponent(this.slug) + "/items/" + encodeURIComponent(uid);
    }

    // Reopen the last entry that is not the item on screen (currentUid; null for none);
    // say(text, kind) reports what could not be done.
    async undo(currentUid, say) {
      const entries = this.entries();
      let entry = entries.pop();
      while (entry && entry.action !== "skip" && entry.uid === currentUid) entry = entries.pop();
      this.save(entries);
      if (!entry) { say("Nothing to undo.", ""); return; }
      if (entry.action === "skip") {
        const resp = await fetch("/api/items/" + encodeURIComponent(entry.uid) + "/skip", {
          method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": this.csrf },
        }).catch(() => null);
        if (!resp || !resp.ok) {
          this.remember(entry.uid, entry.action);
          say("Could not undo the skip (the server did not answer); try again.", "error");
          return;
        }
        this.tellNextPage("Skip undone: this item is yours again.");
      }
      window.location.href = this.itemUrl(entry.uid);
    }
  }

  window.LabelHistory = LabelHistory;

  const empty = document.getElementById("nothing-left");
  if (!empty) return;
  const history = new LabelHistory(empty.dataset.slug, document.getElementById("csrf").value);
  const statusEl = document.getElementById("status");
  const say = (text, kind) => {
    statusEl.textContent = text;
    statusEl.className = "status" + (kind ? " " + kind : "");
  };
  const said = history.takeMessage();
  if (said) say(said, "");
  document.getElementById("undo").addEventListener("click", () => history.undo(null, say));
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.matches("input, select, textarea")) return;
    if (e.key === "z" || e.key === "Z") { e.preventDefault(); history.undo(null, say); }
  });
})();
