// Zoom and pan of one picture inside a stage, by pointer: a click (mouse) or a double tap
// (touch) toggles between fitted and 100 %, the wheel and a pinch zoom around the pointer,
// a drag pans a zoomed picture, and a horizontal swipe of a fitted one calls `onSwipe`.

const MAX_OVER_NATURAL = 2; // zoom stops at twice the picture's own pixels
const TAP_SLOP = 10; // px a tap may move and still be a tap
const DOUBLE_TAP_MS = 300;
const SWIPE_MIN = 60;

export class ZoomPan {
  constructor(stage, img, { onSwipe, onChange }) {
    this.stage = stage;
    this.img = img;
    this.onSwipe = onSwipe;
    this.onChange = onChange;
    this.pointers = new Map();
    this.lastTap = null;
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    stage.addEventListener("pointerdown", (event) => this.down(event));
    stage.addEventListener("pointermove", (event) => this.move(event));
    stage.addEventListener("pointerup", (event) => this.up(event));
    stage.addEventListener("pointercancel", (event) => this.pointers.delete(event.pointerId));
    stage.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
  }

  /** A new picture of `width` x `height` pixels, shown fitted. */
  load(width, height) {
    this.width = width;
    this.height = height;
    this.fit();
  }

  /** Fit the picture to the stage (never enlarged past its own size) and centre it. */
  fit() {
    const box = this.stage.getBoundingClientRect();
    this.box = box;
    this.base = Math.min(box.width / this.width, box.height / this.height, 1);
    this.scale = 1;
    this.x = (box.width - this.width * this.base) / 2;
    this.y = (box.height - this.height * this.base) / 2;
    this.apply();
  }

  get zoomed() {
    return this.scale > 1.001;
  }

  /** The scale (relative to fitted) at which one picture pixel is one CSS pixel. */
  get natural() {
    return Math.max(1, 1 / this.base);
  }

  /** Fitted <-> 100 %, keeping the point (stage coordinates) under the pointer still. */
  toggle(px = this.box.width / 2, py = this.box.height / 2) {
    this.zoomTo(this.zoomed ? 1 : this.natural, px, py);
  }

  zoomTo(scale, px = this.box.width / 2, py = this.box.height / 2) {
    const next = Math.min(Math.max(scale, 1), Math.max(this.natural * MAX_OVER_NATURAL, 1));
    const ratio = next / this.scale;
    this.x = px - (px - this.x) * ratio;
    this.y = py - (py - this.y) * ratio;
    this.scale = next;
    if (!this.zoomed) {
      this.fit();
      return;
    }
    this.apply();
  }

  /** Keep a zoomed picture covering the stage where it can, centred where it cannot. */
  clamp() {
    const w = this.width * this.base * this.scale;
    const h = this.height * this.base * this.scale;
    const { width, height } = this.box;
    this.x = w <= width ? (width - w) / 2 : Math.min(0, Math.max(width - w, this.x));
    this.y = h <= height ? (height - h) / 2 : Math.min(0, Math.max(height - h, this.y));
  }

  apply() {
    this.clamp();
    const w = this.width * this.base;
    const h = this.height * this.base;
    Object.assign(this.img.style, {
      width: `${w}px`,
      height: `${h}px`,
      transform: `translate(${this.x}px, ${this.y}px) scale(${this.scale})`,
    });
    this.stage.classList.toggle("zoomed", this.zoomed);
    this.onChange?.(w * this.scale, this.zoomed);
  }

  local(event) {
    return [event.clientX - this.box.left, event.clientY - this.box.top];
  }

  down(event) {
    if (event.button !== 0) return;
    try {
      this.stage.setPointerCapture(event.pointerId); // keep the drag when it leaves the stage
    } catch {
      // a pointer the browser no longer tracks: the drag ends at the stage's edge
    }
    const [x, y] = this.local(event);
    this.pointers.set(event.pointerId, { x, y, startX: x, startY: y });
    this.pinch = this.pointers.size === 2 ? this.spread() : null;
  }

  spread() {
    const [a, b] = [...this.pointers.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), scale: this.scale };
  }

  move(event) {
    const pointer = this.pointers.get(event.pointerId);
    if (!pointer) return;
    const [x, y] = this.local(event);
    const dx = x - pointer.x;
    const dy = y - pointer.y;
    pointer.x = x;
    pointer.y = y;
    if (this.pinch && this.pointers.size === 2) {
      const [a, b] = [...this.pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      this.zoomTo(this.pinch.scale * (distance / this.pinch.distance),
        (a.x + b.x) / 2, (a.y + b.y) / 2);
    } else if (this.zoomed) {
      this.x += dx;
      this.y += dy;
      this.apply();
    }
  }

  up(event) {
    const pointer = this.pointers.get(event.pointerId);
    if (!pointer) return;
    this.pointers.delete(event.pointerId);
    if (this.pinch) {
      if (this.pointers.size === 0) this.pinch = null;
      return;
    }
    const dx = pointer.x - pointer.startX;
    const dy = pointer.y - pointer.startY;
    if (Math.hypot(dx, dy) < TAP_SLOP) {
      this.tap(event, pointer);
    } else if (!this.zoomed && Math.abs(dx) > SWIPE_MIN && Math.abs(dx) > 2 * Math.abs(dy)) {
      this.onSwipe?.(dx < 0 ? 1 : -1);
    }
  }

  tap(event, pointer) {
    if (event.pointerType === "mouse") {
      this.toggle(pointer.x, pointer.y);
      return;
    }
    const now = event.timeStamp;
    const last = this.lastTap;
    if (last && now - last.time < DOUBLE_TAP_MS
        && Math.hypot(pointer.x - last.x, pointer.y - last.y) < 3 * TAP_SLOP) {
      this.lastTap = null;
      this.toggle(pointer.x, pointer.y);
    } else {
      this.lastTap = { time: now, x: pointer.x, y: pointer.y };
    }
  }

  wheel(event) {
    event.preventDefault();
    const [x, y] = this.local(event);
    // Trackpads send many small deltas, mice a few large ones: scale by the distance.
    this.zoomTo(this.scale * Math.exp(-event.deltaY * 0.002), x, y);
  }
}
