/**
 * Stops and restarts a PTY's output so a slow browser throttles the program instead of the agent
 * buffering without bound.
 *
 * Bun's `Terminal` always drains the PTY master and has no pause(), so we pause one level down, in
 * the kernel's line discipline: writing the STOP character (XOFF, ^S) into the PTY while the
 * terminal has IXON set makes the kernel stop the slave's output, and the program blocks in
 * write(). Writing START (XON, ^Q) resumes it. The kernel itself restarts output on Ctrl-C (ISIG
 * with IXON) and on any key with IXANY, so input always gets through; if output keeps arriving
 * while we want it paused, we re-send XOFF.
 *
 * Programs in raw mode (full-screen apps) usually clear IXON; there XOFF would reach the program
 * as a keystroke, so we never send it then. (Setting IXON ourselves for the pause was tried: the
 * kernel's raw-mode fast path did not reliably honour the ^S, which would then leak to the program
 * as input.) Such programs redraw in bounded frames; should one still outrun a client, the
 * scrollback ring overwrites and that client gets a `skip`. Memory stays bounded either way.
 */

/** termios c_iflag bit for XON/XOFF output control on Linux. */
export const IXON = 0o2000;
const XOFF = "\x13";
const XON = "\x11";
/** Output allowed past an XOFF (already in the kernel's buffers) before we send it again. */
const resendAfterBytes = 16 * 1024;

export interface PtyLike {
  readonly inputFlags: number;
  readonly closed: boolean;
  write(data: string | Uint8Array): number;
}

export class OutputGate {
  #pty: PtyLike;
  #wantPaused = false;
  #sentXoff = false;
  #bytesSinceXoff = 0;
  /** How many times we actually stopped the PTY (for tests and diagnostics). */
  pauses = 0;

  constructor(pty: PtyLike) {
    this.#pty = pty;
  }

  get paused(): boolean {
    return this.#wantPaused;
  }

  /** Wants the producer stopped; effective only while the terminal has IXON set. */
  pause(): void {
    if (this.#wantPaused) return;
    this.#wantPaused = true;
    this.#sendXoff();
  }

  resume(): void {
    if (!this.#wantPaused) return;
    this.#wantPaused = false;
    // If IXON was cleared meanwhile the kernel restarted output itself, and ^Q would be a keystroke.
    if (this.#sentXoff && this.#ixon()) this.#write(XON);
    this.#sentXoff = false;
  }

  /** Called for every chunk of output; re-stops a PTY the kernel restarted (Ctrl-C, IXANY). */
  onOutput(bytes: number): void {
    if (!this.#wantPaused) return;
    this.#bytesSinceXoff += bytes;
    if (this.#bytesSinceXoff >= resendAfterBytes) this.#sendXoff();
  }

  #sendXoff(): void {
    this.#bytesSinceXoff = 0;
    if (!this.#ixon()) return;
    this.#write(XOFF);
    this.#sentXoff = true;
    this.pauses++;
  }

  #ixon(): boolean {
    return !this.#pty.closed && (this.#pty.inputFlags & IXON) !== 0;
  }

  #write(data: string): void {
    try {
      this.#pty.write(data);
    } catch {
      // The PTY closed between the check and the write; nothing to throttle any more.
    }
  }
}
