import type { PauseDocument } from '../../loop/ports';
import { readPauseDocument, renderPauseDocument } from '../../manifests/pause-document';

/** The loop's PauseDocument port over src/manifests/pause-document.ts, for the file at `path`. */
export function pauseDocument(path: string): PauseDocument {
  return {
    path,
    read: (text) => readPauseDocument(path, text),
    render: (p) => renderPauseDocument(p),
  };
}
