// Bounding-box tool on an SVG laid over the image; coordinates are image pixels.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const MIN = 3;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  class BoxTool {
    constructor(svg, page, say) {
      this.svg = svg;
      this.page = page;
      this.say = say;
      this.W = page.width;
      this.H = page.height;
      this.items = page.my_label ? page.my_label.boxes.map((b) => Object.assign({}, b)) : [];
      this.current = page.labels[0];
      this.selected = -1;
      this.past = [];
      this.drag = null;
      this.list = document.getElementById("boxlist");
      document.querySelectorAll("#classes .choice").forEach((b) =>
        b.addEventListener("click", () => this.setClass(b.dataset.value)));
      svg.addEventListener("pointerdown", (e) => this.down(e));
      svg.addEventListener("pointermove", (e) => this.move(e));
      svg.addEventListener("pointerup", (e) => this.up(e));
      svg.addEventListener("pointercancel", (e) => this.up(e));
      this.setClass(this.current);
      this.render();
    }

    boxes() { return this.items.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, label: b.label })); }

    point(e) {
      const r = this.svg.getBoundingClientRect();
      const x = Math.min(this.W, Math.max(0, (e.clientX - r.left) * this.W / r.width));
      const y = Math.min(this.H, Math.max(0, (e.clientY - r.top) * this.H / r.height));
      return { x: x, y: y };
    }

    remember() {
      this.past.push(JSON.stringify(this.items));
      if (this.past.length > 100) this.past.shift();
    }

    undo() {
      if (!this.past.length) return false;
      this.items = JSON.parse(this.past.pop());
      this.selected = -1;
      this.render();
      this.say("Undone.", "");
      return true;
    }

    setClass(label) {
      this.current = label;
      document.querySelectorAll("#classes .choice").forEach((b) =>
        b.classList.toggle("selected", b.dataset.value === label));
      if (this.selected >= 0 && this.items[this.selected].label !== label) {
        this.remember();
        this.items[this.selected].label = label;
        this.render();
      }
    }

    deleteSelected() {
      if (this.selected < 0) return;
      this.remember();
      this.items.splice(this.selected, 1);
      this.selected = -1;
      this.render();
    }

    down(e) {
      if (this.page.readonly || e.button !== 0) return;
      const p = this.point(e);
      const target = e.target;
      this.svg.setPointerCapture(e.pointerId);
      this.remember();
      if (target.dataset.handle !== undefined) {
        const i = Number(target.dataset.index);
        const b = this.items[i];
        const h = target.dataset.handle;  // corner: "nw", "ne", "sw", "se"
        const fx = h.includes("w") ? b.x + b.w : b.x;
        const fy = h.includes("n") ? b.y + b.h : b.y;
        this.drag = { mode: "resize", i: i, fx: fx, fy: fy };
        this.selected = i;
      } else if (target.dataset.index !== undefined) {
        const i = Number(target.dataset.index);
        const b = this.items[i];
        this.drag = { mode: "move", i: i, dx: p.x - b.x, dy: p.y - b.y, moved: false };
        this.selected = i;
        this.setClassButtons(b.label);
      } else {
        this.items.push({ x: p.x, y: p.y, w: 0, h: 0, label: this.current });
        this.selected = this.items.length - 1;
        this.drag = { mode: "draw", i: this.selected, fx: p.x, fy: p.y };
      }
      this.render();
      e.preventDefault();
    }

    setClassButtons(label) {
      this.current = label;
      document.querySelectorAll("#classes .choice").forEach((b) =>
        b.classList.toggle("selected", b.dataset.value === label));
    }

    move(e) {
      if (!this.drag) return;
      const p = this.point(e);
      const d = this.drag;
      const b = this.items[d.i];
      if (d.mode === "move") {
        b.x = Math.min(this.W - b.w, Math.max(0, p.x - d.dx));
        b.y = Math.min(this.H - b.h, Math.max(0, p.y - d.dy));
        d.moved = true;
      } else {
        b.x = Math.min(d.fx, p.x); b.y = Math.min(d.fy, p.y);
        b.w = Math.abs(p.x - d.fx); b.h = Math.abs(p.y - d.fy);
      }
      this.render();
    }

    up(e) {
      if (!this.drag) return;
      const d = this.drag;
      this.drag = null;
      const b = this.items[d.i];
      if (d.mode !== "move" && (b.w < MIN || b.h < MIN)) {
        this.items.splice(d.i, 1);
        this.selected = -1;
        this.past.pop();
      } else if (d.mode === "move" && !d.moved) {
        this.past.pop();
      }
      this.items.forEach((bx) => {
        bx.x = Math.round(bx.x * 10) / 10; bx.y = Math.round(bx.y * 10) / 10;
        bx.w = Math.round(bx.w * 10) / 10; bx.h = Math.round(bx.h * 10) / 10;
      });
      this.render();
    }

    render() {
      while (this.svg.firstChild) this.svg.removeChild(this.svg.firstChild);
      const labels = this.page.labels;
      const stroke = Math.max(1, this.W / 300);
      this.items.forEach((b, i) => {
        const c = "c" + (labels.indexOf(b.label) % 9);
        const g = el("g", { class: "box " + c + (i === this.selected ? " selected" : "") }, this.svg);
        el("rect", { x: b.x, y: b.y, width: b.w, height: b.h, "data-index": i,
                     "stroke-width": stroke }, g);
        const tag = el("text", { x: b.x + 2, y: Math.max(8, b.y - 2), "font-size": Math.max(8, this.W / 40) }, g);
        tag.textContent = (i + 1) + " " + b.label;
        if (i === this.selected) {
          const s = Math.max(4, this.W / 60);
          [["nw", b.x, b.y], ["ne", b.x + b.w, b.y], ["sw", b.x, b.y + b.h], ["se", b.x + b.w, b.y + b.h]]
            .forEach(([h, x, y]) => el("rect", { class: "handle", x: x - s / 2, y: y - s / 2,
              width: s, height: s, "data-handle": h, "data-index": i }, g));
        }
      });
      this.renderList();
    }

    renderList() {
      if (!this.list) return;
      this.list.textContent = "";
      this.items.forEach((b, i) => {
        const li = document.createElement("li");
        li.className = i === this.selected ? "selected" : "";
        const pick = document.createElement("select");
        pick.setAttribute("aria-label", "class of box " + (i + 1));
        this.page.labels.forEach((lab) => {
          const o = document.createElement("option");
          o.value = lab; o.textContent = lab; o.selected = lab === b.label;
          pick.appendChild(o);
        });
        pick.addEventListener("change", () => { this.remember(); b.label = pick.value; this.render(); });
        const size = document.createElement("span");
        size.className = "muted small";
        size.textContent = " " + Math.round(b.w) + "×" + Math.round(b.h) + " ";
        const del = document.createElement("button");
        del.type = "button"; del.className = "link"; del.textContent = "delete";
        del.addEventListener("click", () => { this.selected = i; this.deleteSelected(); });
        li.append(pick, size, del);
        this.list.appendChild(li);
      });
    }
  }

  window.BoxTool = BoxTool;
})();
