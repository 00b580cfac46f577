/**
 * The touch key bar: keys a phone keyboard lacks but Claude Code needs (Esc to interrupt,
 * Shift+Tab to switch modes, arrows for menus, Ctrl for ^C/^R/...). Ctrl is a sticky modifier:
 * tap it, then type a letter on the soft keyboard or tap an arrow.
 */

export interface KeyBarTarget {
  sendKeys(data: string): void;
  /** Whether the program asked for application cursor keys (ESC O A instead of ESC [ A). */
  applicationCursor(): boolean;
  /** A key bar tap counts as a human gesture. */
  touched(): void;
}

type Arrow = "A" | "B" | "C" | "D";

export class KeyBar {
  ctrl = false;
  #ctrlButton: HTMLButtonElement | null = null;
  #target: KeyBarTarget;

  constructor(el: HTMLElement, target: KeyBarTarget) {
    this.#target = target;
    const keys: Array<[label: string, title: string, action: () => void]> = [
      ["Esc", "Escape", () => this.#send("\x1b")],
      ["Tab", "Tab", () => this.#send("\t")],
      ["⇧Tab", "Shift+Tab", () => this.#send("\x1b[Z")],
      ["Ctrl", "Ctrl (sticky)", () => this.setCtrl(!this.ctrl)],
      ["←", "Left", () => this.#arrow("D")],
      ["↑", "Up", () => this.#arrow("A")],
      ["↓", "Down", () => this.#arrow("B")],
      ["→", "Right", () => this.#arrow("C")],
      ["^C", "Ctrl+C", () => this.#send("\x03")],
    ];
    for (const [label, title, action] of keys) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.setAttribute("aria-label", title);
      // pointerdown + preventDefault keeps focus (and the soft keyboard) in the terminal.
      b.addEventListener("pointerdown", (ev) => {
        ev.preventDefault();
        this.#target.touched();
        action();
      });
      if (label === "Ctrl") {
        b.setAttribute("aria-pressed", "false");
        this.#ctrlButton = b;
      }
      el.appendChild(b);
    }
    el.hidden = false;
  }

  setCtrl(on: boolean): void {
    this.ctrl = on;
    this.#ctrlButton?.setAttribute("aria-pressed", String(on));
  }

  /** Applies a pending sticky Ctrl to typed input: "c" -> ^C. Other input passes through. */
  transform(data: string): string {
    if (!this.ctrl || data.length !== 1) return data;
    this.setCtrl(false);
    const code = data.toUpperCase().charCodeAt(0);
    // Ctrl maps @ A-Z [ \ ] ^ _ (0x40-0x5f) to 0x00-0x1f; Ctrl+Space is NUL, Ctrl+? is DEL.
    if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code & 0x1f);
    if (data === " ") return "\x00";
    if (data === "?") return "\x7f";
    return data;
  }

  #send(data: string): void {
    this.setCtrl(false);
    this.#target.sendKeys(data);
  }

  #arrow(dir: Arrow): void {
    if (this.ctrl) {
      this.#send(`\x1b[1;5${dir}`);
      return;
    }
    this.#send(this.#target.applicationCursor() ? `\x1bO${dir}` : `\x1b[${dir}`);
  }

  /** Touch devices get the bar; a `?keybar=1` query forces it (tests, tablets with keyboards off). */
  static wanted(): boolean {
    const forced = new URLSearchParams(location.search).get("keybar");
    if (forced !== null) return forced === "1";
    return matchMedia("(pointer: coarse)").matches || navigator.maxTouchPoints > 0;
  }
}
