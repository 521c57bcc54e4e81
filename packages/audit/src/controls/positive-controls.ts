// TEST FIXTURES: both positive controls of `audit self --control`, started together in temp dirs.
// `close()` on each channel releases what it started (servers, accounts, temp data).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel } from '../channel.js';
import { scanningClientChannel } from './scanning-client.js';
import { SkypeLikeServer, skypeLikeChannel } from './skype-like.js';

/** The Skype-like server-side scanner and the scanning client (its own throwaway Sotto relay). */
export async function startPositiveControls(): Promise<Channel[]> {
  const root = mkdtempSync(join(tmpdir(), 'sotto-audit-controls-'));
  const skype = await SkypeLikeServer.start({ dataDir: join(root, 'skype-like'), probeDelayMs: 20 });
  const skypeChannel = skypeLikeChannel(skype);
  let scanning: Channel;
  try {
    scanning = await scanningClientChannel();
  } catch (e) {
    await skype.close();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return [
    {
      ...skypeChannel,
      async deliverAndRead() {
        await skypeChannel.deliverAndRead();
        await skype.idle(); // its probes are scheduled 20 ms after receipt; let them land
      },
      async close() {
        await skype.close();
        rmSync(root, { recursive: true, force: true });
      },
    },
    scanning,
  ];
}
