// The state file a running receiver leaves for its clients (src/stateFile.ts says where it is and
// reads and writes it): how the editor in any window, `agent-lens import` and the demo find it.

/** What the file holds. */
export interface ServerState {
  pid: number;
  host: string;
  httpPort: number;
  grpcPort: number;
  token: string;
  version: string;
  dataDir: string;
  uiUrl: string;
  /** The receiver exits after this many minutes with no live clients and no data (0: never). */
  idleExitMinutes?: number;
  startedAt: string;
}
