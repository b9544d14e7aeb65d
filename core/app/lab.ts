/**
 * "Try it locally": a lab node for newcomers — an agent store under the data folder, served by the
 * real node agent (core/agent startAgentServer) on 127.0.0.1 only, for as long as the app runs.
 */
import { initStore, readToken, startAgentServer, type AgentServer } from '../agent/index.js';

export class LabNode {
  #server: AgentServer | null = null;
  #starting: Promise<AgentServer> | null = null;
  constructor(readonly store: string) {}

  /** Starts the lab agent if it is not running; returns its URL, pinned fingerprint and token. */
  async ensure(): Promise<{ url: string; fingerprint: string; token: string }> {
    if (!this.#server) {
      this.#starting ??= (async () => {
        await initStore(this.store, { name: 'lab-node' });
        return startAgentServer({ store: this.store, host: '127.0.0.1', port: 0, log: () => {} });
      })();
      try {
        this.#server = await this.#starting;
      } finally {
        this.#starting = null;
      }
    }
    return { url: this.#server.url, fingerprint: this.#server.fingerprint, token: await readToken(this.store) };
  }

  get running(): boolean {
    return this.#server !== null;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    await s?.close();
  }
}
