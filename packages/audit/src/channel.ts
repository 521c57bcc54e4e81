// The path a canary message travels. One interface for Sotto itself (a subject), the positive controls
// and a person pasting links by hand, so the same experiment runs through any of them (issue 5).
export type ChannelRole = 'subject' | 'control' | 'manual';

export interface Channel {
  /** Stable name used in the registry and the report ("sotto", "skype-like", "scanning-client"). */
  readonly name: string;
  readonly role: ChannelRole;
  /** Sends one message, as the sender, through the channel's normal send path. */
  send(text: string): Promise<void>;
  /** Has the recipient receive and read everything sent so far, through its normal read path. */
  deliverAndRead(): Promise<void>;
  /** The server-side data directory to scan at the end (server view), when the channel has one. */
  readonly dataDir?: string | undefined;
  /**
   * Positive controls only: where the control leaks. 'server' (default) must show hits AND needles
   * in its server storage to count as caught; 'endpoint' (the scanning client: the leak is in the
   * recipient's client, its relay holds only ciphertext) is caught by hits alone.
   */
  readonly leaksAt?: 'server' | 'endpoint';
  /** Releases what the channel started (servers, accounts). */
  close?(): Promise<void>;
}

/** A channel for manual runs: hands each message to `show` (e.g. print it to paste into any app). */
export function manualChannel(name: string, show: (text: string) => void): Channel {
  return {
    name,
    role: 'manual',
    send(text) {
      show(text);
      return Promise.resolve();
    },
    deliverAndRead() {
      return Promise.resolve();
    },
  };
}
