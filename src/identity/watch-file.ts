// Calls back, once things settle, after a file may have changed. It watches the file's directory,
// not the file: editors and `kubectl` replace a file atomically (write a temporary file, rename it
// over the old one; or swap a `..data` symlink), which ends a watch on the file itself. Any event in
// the directory counts, so the callback must itself tell whether the content changed.
import { watch } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface FileWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs. */
  readonly debounceMs: number;
  readonly onError: (error: Error) => void;
}

export function watchFile(path: string, onChange: () => void, options: WatchOptions): FileWatcher {
  let timer: NodeJS.Timeout | undefined;
  // persistent: false — a watcher alone does not keep the process alive (nor does its timer).
  const watcher = watch(dirname(resolve(path)), { persistent: false }, () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, options.debounceMs).unref();
  });
  watcher.on('error', options.onError);
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
