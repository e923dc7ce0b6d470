// Zoom and pan of the item's image: the wheel or +/- zoom about a point, 0 fits, a drag with
// Space held or the middle button pans. The stage (image + box layer) is laid out at
// scale x image size, so boxes stay in image pixels; upscaled pixels are shown crisp.
// A new window size refits a fitted image; a zoomed one keeps its zoom and the image
// point at the viewer's centre.
(function () {
  "use strict";
  const STEP = 1.25;

  class Zoom {
    constructor(viewer, stage, width, height, onChange) {
      this.viewer = viewer;
      this.stage = stage;
      this.W = width;
      this.H = height;
      this.onChange = onChange || (() => {});
      this.scale = 1;
      this.fitScale = 1;
      this.tx = 0;
      this.ty = 0;
      this.space = false;
      this.pan = null;
      this.level = document.getElementById("zoom-level");
      viewer.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
      viewer.addEventListener("pointerdown", (e) => this.down(e), true);
      viewer.addEventListener("pointermove", (e) => this.move(e), true);
      viewer.addEventListener("pointerup", (e) => this.up(e), true);
      viewer.addEventListener("pointercancel", (e) => this.up(e), true);
      viewer.addEventListener("mousedown", (e) => { if (e.button === 1) e.preventDefault(); });
      document.addEventListener("keydown", (e) => this.key(e));
      document.addEventListener("keyup", (e) => {
        if (e.key === " ") { e.preventDefault(); this.grab(false); }
      });
      window.addEventListener("blur", () => this.grab(false));
      const bind = (id, fn) => { const b = document.getElementById(id); if (b) b.addEventListener("click", fn); };
      bind("zoom-in", () => this.by(STEP));
      bind("zoom-out", () => this.by(1 / STEP));
      bind("zoom-fit", () => this.fit());
      window.addEventListener("resize", () => this.resized());
      this.fit();
    }

    maxScale() { return Math.max(8, this.fitScale * 8); }

    isFit() { return Math.abs(this.scale - this.fitScale) < 1e-6; }

    // the scale at which the whole image fits the page, and the viewer's height for it
    measure() {
      const availW = this.viewer.parentElement.getBoundingClientRect().width - 40;
      const availH = Math.max(240, window.innerHeight - 260);
      this.fitScale = Math.min(availW / this.W, availH / this.H);
      this.viewer.style.height = Math.ceil(this.H * this.fitScale) + "px";
    }

    fit() {
      this.measure();
      this.scale = this.fitScale;
      this.tx = this.ty = 0;
      this.apply();
    }

    resized() {
      if (this.isFit()) { this.fit(); return; }
      const ix = (this.viewW / 2 - this.tx) / this.scale, iy = (this.viewH / 2 - this.ty) / this.scale;
      this.measure();
      this.scale = Math.min(this.maxScale(), Math.max(this.fitScale, this.scale));
      const r = this.viewer.getBoundingClientRect();
      this.tx = r.width / 2 - ix * this.scale;
      this.ty = r.height / 2 - iy * this.scale;
      this.apply();
    }

    // zoom to scale s keeping the viewer point (cx, cy) over the same image pixel
    zoomTo(s, cx, cy) {
      const next = Math.min(this.maxScale(), Math.max(this.fitScale, s));
      const ix = (cx - this.tx) / this.scale, iy = (cy - this.ty) / this.scale;
      this.tx = cx - ix * next;
      this.ty = cy - iy * next;
      this.scale = next;
      this.apply();
    }

    by(factor) {
      const r = this.viewer.getBoundingClientRect();
      this.zoomTo(this.scale * factor, r.width / 2, r.height / 2);
    }

    clamp() {
      const r = this.viewer.getBoundingClientRect();
      this.viewW = r.width;
      this.viewH = r.height;
      const w = this.W * this.scale, h = this.H * this.scale;
      this.tx = w <= r.width ? (r.width - w) / 2 : Math.min(0, Math.max(r.width - w, this.tx));
      this.ty = h <= r.height ? (r.height - h) / 2 : Math.min(0, Math.max(r.height - h, this.ty));
    }

    apply() {
      this.clamp();
      const s = this.stage.style;
      s.width = this.W * this.scale + "px";
      s.height = this.H * this.scale + "px";
      s.left = this.tx + "px";
      s.top = this.ty + "px";
      this.stage.classList.toggle("pixelated", this.scale > 1);
      this.viewer.dataset.scale = this.scale.toFixed(4);
      if (this.level) {
        this.level.textContent = Math.round(this.scale * 100) + "%" + (this.isFit() ? " (fit)" : "");
      }
      this.onChange(this.scale);
    }

    wheel(e) {
      e.preventDefault();
      const r = this.viewer.getBoundingClientRect();
      this.zoomTo(this.scale * Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }

    grab(on) {
      this.space = on;
      this.viewer.classList.toggle("grab", on);
    }

    down(e) {
      if (!(e.button === 1 || (e.button === 0 && this.space))) return;
      e.preventDefault();
      e.stopPropagation();
      this.viewer.setPointerCapture(e.pointerId);
      this.pan = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty };
      this.viewer.classList.add("panning");
    }

    move(e) {
      if (!this.pan) return;
      e.stopPropagation();
      this.tx = this.pan.tx + e.clientX - this.pan.x;
      this.ty = this.pan.ty + e.clientY - this.pan.y;
      this.apply();
    }

    up(e) {
      if (!this.pan) return;
      e.stopPropagation();
      this.pan = null;
      this.viewer.classList.remove("panning");
    }

    key(e) {
      if (e.target.matches("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === " ") { e.preventDefault(); if (!this.space) this.grab(true); }
      else if (e.key === "+" || e.key === "=") { e.preventDefault(); this.by(STEP); }
      else if (e.key === "-" || e.key === "_") { e.preventDefault(); this.by(1 / STEP); }
      else if (e.key === "0") { e.preventDefault(); this.fit(); }
    }
  }

  window.Zoom = Zoom;
})();
