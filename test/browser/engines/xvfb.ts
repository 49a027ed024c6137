import { type ChildProcess, spawn } from "node:child_process";
import { findExecutable } from "./executable.ts";

/** A virtual X display for a browser that cannot run headless; `display` is its DISPLAY value. */
export interface Xvfb {
  display: string;
  stop(): Promise<void>;
}

/** Wait until `child` has exited, sending `SIGTERM` first. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * Start Xvfb ($XVFB_PATH, else `Xvfb` on PATH) on the first free display number, which it
 * writes to fd 3 once it accepts clients (-displayfd): no fixed number that another run holds.
 */
export async function startXvfb(): Promise<Xvfb> {
  const binary = findExecutable("XVFB_PATH", ["Xvfb"], "/usr/bin/Xvfb");
  const child = spawn(binary, ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + String(chunk)).slice(-2000);
  });
  const display = await new Promise<string>((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`cannot start ${binary} (install Debian's xvfb): ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`${binary} exited with ${code} before it opened a display: ${stderr}`)));
    child.stdio[3]?.once("data", (chunk: Buffer) => resolve(`:${String(chunk).trim()}`));
  });
  return { display, stop: () => stopProcess(child) };
}
