// Whether a process id is alive (signal 0: permission and existence check, nothing is sent).
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
