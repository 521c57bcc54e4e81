// Child process for the cross-process claim test: opens the SQLite store in argv[2], waits for "go"
// on stdin, claims argv[5] bundles of (argv[3], argv[4]) as fast as it can, prints the key ids as JSON.
import { openSqliteStore } from '../../src/store/index.js';

const [dir, accountId, deviceId, count] = process.argv.slice(2);
const stores = await openSqliteStore(dir!);
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void (async () => {
    const ec: number[] = [];
    const kyber: number[] = [];
    let lastResort = 0;
    for (let i = 0; i < Number(count); i++) {
      const b = await stores.keys.claimBundle(accountId!, Number(deviceId));
      if (!b) throw new Error('no bundle');
      if (b.preKey) ec.push(b.preKey.keyId);
      if (b.kyberPreKey.lastResort) lastResort++;
      else kyber.push(b.kyberPreKey.keyId);
    }
    await stores.close();
    process.stdout.write(JSON.stringify({ ec, kyber, lastResort }) + '\n');
    process.stdin.destroy();
  })();
});
