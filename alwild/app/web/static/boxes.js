// Bounding-box tool on an SVG laid over the image; coordinates are image pixels.
// The chosen class is the class of the NEXT box drawn. Re-classing an existing box is its
// own act: click the box to select it, then press a class key (or pick from its menu).
// The model's suggestions are dashed until accepted (A: all), corrected (dragged or
// resized, or re-classed) or deleted (Del; X rejects all of them). A drag moves a box when
// it starts on the selected box or on a box's edge; inside any other box it draws a new one.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const MIN = 3;
  const EDGE = 5;  // screen px: a press this near a box's edge grabs the box

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function copy(b) { return { x: b.x, y: b.y, w: b.w, h: b.h, label: b.label, score: b.score }; }

  class BoxTool {
    constructor(svg, page, say) {
      this.svg = svg;
      this.page = page;
      this.say = say;
      this.W = page.width;
      this.H = page.height;
      this.scale = 1;
      this.items = page.my_label ? page.my_label.boxes.map(copy) : [];
      this.proposals = page.my_label ? [] : (page.suggestions || []).filter((s) => s.box)
        .map((s) => ({ x: s.box[0], y: s.box[1], w: s.box[2], h: s.box[3], label: s.label, score: s.score }));
      this.current = page.labels[0];
      this.sel = null;  // {kind: "box" | "sug", i}
      this.past = [];
      this.drag = null;
      this.list = document.getElementById("boxlist");
      this.mode = document.getElementById("mode");
      document.querySelectorAll("#classes .choice").forEach((b) =>
        b.addEventListener("click", () => this.setClass(b.dataset.value)));
      svg.addEventListener("pointerdown", (e) => this.down(e));
      svg.addEventListener("pointermove", (e) => this.move(e));
      svg.addEventListener("pointerup", (e) => this.up(e));
      svg.addEventListener("pointercancel", (e) => this.up(e));
      this.nextClass(this.current);
      this.render();
    }

    boxes() { return this.items.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, label: b.label })); }

    pending() { return this.proposals.length; }

    // the boxes and open suggestions as they stand, to keep as a draft, and whether any
    // edit was made on this page
    state() { return { items: this.items, proposals: this.proposals }; }

    edited() { return this.past.length > 0; }

    restore(state) {
      this.items = state.items;
      this.proposals = state.proposals;
      this.sel = null;
      this.render();
    }

    setScale(s) { this.scale = s; this.render(); }

    point(e) {
      const r = this.svg.getBoundingClientRect();
      const x = Math.min(this.W, Math.max(0, (e.clientX - r.left) * this.W / r.width));
      const y = Math.min(this.H, Math.max(0, (e.clientY - r.top) * this.H / r.height));
      return { x: x, y: y };
    }

    remember() {
      this.past.push(JSON.stringify([this.items, this.proposals]));
      if (this.past.length > 100) this.past.shift();
    }

    undo() {
      if (!this.past.length) return false;
      [this.items, this.proposals] = JSON.parse(this.past.pop());
      this.sel = null;
      this.render();
      this.say("Undone.", "");
      return true;
    }

    list_(kind) { return kind === "sug" ? this.proposals : this.items; }

    selected() { return this.sel ? this.list_(this.sel.kind)[this.sel.i] : null; }

    nextClass(label) {
      this.current = label;
      document.querySelectorAll("#classes .choice").forEach((b) => {
        b.classList.toggle("selected", b.dataset.value === label);
        b.setAttribute("aria-pressed", b.dataset.value === label ? "true" : "false");
      });
      this.showMode();
    }

    showMode() {
      if (!this.mode) return;
      const b = this.selected();
      if (b) {
        const what = this.sel.kind === "sug" ? "Suggestion" : "Box " + (this.sel.i + 1);
        this.mode.innerHTML = "";
        this.mode.append(what + " selected (" + b.label + "): a class key re-classes it, ",
          Object.assign(document.createElement("kbd"), { textContent: "Del" }), " deletes it, ",
          Object.assign(document.createElement("kbd"), { textContent: "Esc" }), " deselects.");
        this.mode.className = "mode editing";
      } else {
        this.mode.textContent = "Next box: " + this.current;
        this.mode.className = "mode";
      }
    }

    // a class key or button: re-class the selected box if one is selected, else set the
    // class of the next box
    setClass(label) {
      const b = this.selected();
      if (!b) {
        this.nextClass(label);
        this.say("Next box: " + label + ".", "");
        return;
      }
      this.relabel(this.sel.kind, this.sel.i, label);
    }

    relabel(kind, i, label) {
      const b = this.list_(kind)[i];
      const before = b.label;
      this.remember();
      b.label = label;
      if (kind === "sug") i = this.confirm(i);
      this.sel = { kind: "box", i: i };
      this.render();
      this.say("Box " + (i + 1) + " re-classed: " + before + " → " + label + ".", "ok");
      const g = this.svg.querySelector('g[data-box="' + i + '"]');
      if (g) g.classList.add("flash");
    }

    // a suggestion becomes a confirmed box; returns its index among the boxes
    confirm(i) {
      const [b] = this.proposals.splice(i, 1);
      delete b.score;
      this.items.push(b);
      return this.items.length - 1;
    }

    acceptAll() {
      if (!this.proposals.length) { this.say("No open suggestions.", ""); return; }
      this.remember();
      const n = this.proposals.length;
      while (this.proposals.length) this.confirm(0);
      this.sel = null;
      this.render();
      this.say("Accepted " + n + " suggestion" + (n > 1 ? "s" : "") + ".", "ok");
    }

    rejectAll() {
      if (!this.proposals.length) { this.say("No open suggestions.", ""); return; }
      this.remember();
      const n = this.proposals.length;
      this.proposals = [];
      if (this.sel && this.sel.kind === "sug") this.sel = null;
      this.render();
      this.say("Rejected " + n + " suggestion" + (n > 1 ? "s" : "") + ".", "");
    }

    deselect() {
      if (!this.sel) return false;
      this.sel = null;
      this.render();
      return true;
    }

    deleteSelected() {
      if (!this.sel) return;
      this.remember();
      this.list_(this.sel.kind).splice(this.sel.i, 1);
      this.sel = null;
      this.render();
    }

    // whether a press at p on box i moves it: the box is selected, or p is on its edge
    grabs(kind, i, p) {
      if (this.sel && this.sel.kind === kind && this.sel.i === i) return true;
      const b = this.list_(kind)[i], edge = EDGE / this.scale;
      return Math.min(Math.abs(p.x - b.x), Math.abs(p.x - b.x - b.w),
                      Math.abs(p.y - b.y), Math.abs(p.y - b.y - b.h)) <= edge;
    }

    down(e) {
      if (this.page.readonly || e.button !== 0) return;
      const p = this.point(e);
      const t = e.target;
      this.svg.setPointerCapture(e.pointerId);
      this.remember();
      const kind = t.dataset.kind;
      if (t.dataset.handle !== undefined) {
        const i = Number(t.dataset.index);
        const b = this.list_(kind)[i];
        const h = t.dataset.handle;  // corner: "nw", "ne", "sw", "se"
        this.drag = { mode: "resize", kind: kind, i: i, fx: h.includes("w") ? b.x + b.w : b.x,
                      fy: h.includes("n") ? b.y + b.h : b.y, moved: false };
        this.sel = { kind: kind, i: i };
      } else if (t.dataset.index !== undefined && this.grabs(kind, Number(t.dataset.index), p)) {
        const i = Number(t.dataset.index);
        const b = this.list_(kind)[i];
        this.drag = { mode: "move", kind: kind, i: i, dx: p.x - b.x, dy: p.y - b.y, moved: false };
        this.sel = { kind: kind, i: i };
      } else {
        // a drag inside a box that is not selected draws a new box (a defect inside its
        // insulator); a click there, with no drag, selects that box
        const under = t.dataset.index !== undefined ? { kind: kind, i: Number(t.dataset.index) } : null;
        this.items.push({ x: p.x, y: p.y, w: 0, h: 0, label: this.current });
        this.drag = { mode: "draw", kind: "box", i: this.items.length - 1, fx: p.x, fy: p.y, under: under };
        this.sel = null;
      }
      this.render();
      e.preventDefault();
    }

    move(e) {
      if (!this.drag) return;
      const p = this.point(e);
      const d = this.drag;
      if (d.kind === "sug") {  // correcting a suggestion confirms it
        d.i = this.confirm(d.i);
        d.kind = "box";
        this.sel = { kind: "box", i: d.i };
      }
      const b = this.items[d.i];
      if (d.mode === "move") {
        b.x = Math.min(this.W - b.w, Math.max(0, p.x - d.dx));
        b.y = Math.min(this.H - b.h, Math.max(0, p.y - d.dy));
      } else {
        b.x = Math.min(d.fx, p.x); b.y = Math.min(d.fy, p.y);
        b.w = Math.abs(p.x - d.fx); b.h = Math.abs(p.y - d.fy);
      }
      d.moved = true;
      this.render();
    }

    up() {
      if (!this.drag) return;
      const d = this.drag;
      this.drag = null;
      if (d.mode === "draw") {
        const b = this.items[d.i];
        if (b.w < MIN || b.h < MIN) {
          this.items.splice(d.i, 1);
          this.past.pop();
          if (d.under) this.sel = d.under;
          else if (b.w > 0 || b.h > 0) this.say("Too small for a box (under " + MIN + " px of the image): drag further, or zoom in (+).", "");
        } else {
          this.say("Box " + (d.i + 1) + " drawn: " + b.label + ".", "");
        }
      } else if (!d.moved) {
        this.past.pop();
      }
      this.items.forEach((bx) => {
        bx.x = Math.round(bx.x * 10) / 10; bx.y = Math.round(bx.y * 10) / 10;
        bx.w = Math.round(bx.w * 10) / 10; bx.h = Math.round(bx.h * 10) / 10;
      });
      this.render();
    }

    drawOne(b, kind, i) {
      const c = "c" + (this.page.labels.indexOf(b.label) % 9);
      const on = this.sel && this.sel.kind === kind && this.sel.i === i;
      const g = el("g", { class: "box " + c + (kind === "sug" ? " suggestion" : "") + (on ? " selected" : ""),
                          ["data-" + kind]: i }, this.svg);
      el("rect", { x: b.x, y: b.y, width: b.w, height: b.h, "data-index": i, "data-kind": kind }, g);
      const px = 1 / this.scale;
      const tag = el("text", { x: b.x + 2 * px, y: Math.max(13 * px, b.y - 3 * px), "font-size": 13 * px,
                               "stroke-width": 2.5 * px }, g);
      tag.textContent = kind === "sug" ? "? " + b.label + " " + Math.round(100 * b.score) + "%"
        : (i + 1) + " " + b.label;
      if (on) {
        const s = 10 * px;
        [["nw", b.x, b.y], ["ne", b.x + b.w, b.y], ["sw", b.x, b.y + b.h], ["se", b.x + b.w, b.y + b.h]]
          .forEach(([h, x, y]) => el("rect", { class: "handle", x: x - s / 2, y: y - s / 2, width: s, height: s,
            "data-handle": h, "data-index": i, "data-kind": kind }, g));
      }
    }

    render() {
      while (this.svg.firstChild) this.svg.removeChild(this.svg.firstChild);
      this.proposals.forEach((b, i) => this.drawOne(b, "sug", i));
      this.items.forEach((b, i) => this.drawOne(b, "box", i));
      this.renderList();
      this.showMode();
      const left = document.getElementById("suggest-count");
      if (left) left.textContent = String(this.proposals.length);
    }

    row(b, kind, i) {
      const li = document.createElement("li");
      const on = this.sel && this.sel.kind === kind && this.sel.i === i;
      li.className = (on ? "selected " : "") + (kind === "sug" ? "suggestion" : "");
      li.dataset.kind = kind;
      const pick = document.createElement("select");
      pick.setAttribute("aria-label", (kind === "sug" ? "class of suggestion " : "class of box ") + (i + 1));
      this.page.labels.forEach((lab) => {
        const o = document.createElement("option");
        o.value = lab; o.textContent = lab; o.selected = lab === b.label;
        pick.appendChild(o);
      });
      pick.addEventListener("change", () => this.relabel(kind, i, pick.value));
      const size = document.createElement("span");
      size.className = "muted small";
      size.textContent = " " + Math.round(b.w) + "×" + Math.round(b.h) +
        (kind === "sug" ? " suggested " + Math.round(100 * b.score) + "% " : " ");
      const del = document.createElement("button");
      del.type = "button"; del.className = "link"; del.textContent = "delete";
      del.addEventListener("click", () => { this.sel = { kind: kind, i: i }; this.deleteSelected(); });
      li.append(pick, size, del);
      return li;
    }

    renderList() {
      if (!this.list) return;
      this.list.textContent = "";
      this.items.forEach((b, i) => this.list.appendChild(this.row(b, "box", i)));
      this.proposals.forEach((b, i) => this.list.appendChild(this.row(b, "sug", i)));
    }
  }

  window.BoxTool = BoxTool;
})();
