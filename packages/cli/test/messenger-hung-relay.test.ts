// A relay that accepts the TCP connection and then never answers (hung, or a half-open path): the
// commands that connect give up with exit 3 within seconds instead of waiting forever, and record
// nothing as sent.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { createServer, type Socket } from 'node:net';
import { okInProcess, removeTempDirs, sotto, startTestRelay, tempDir } from './sotto-harness.js';

void describe('a relay that never answers', () => {
  void it('send, inbox and chat exit 3 within seconds when the relay accepts connections but never answers', async () => {
    const gone = await startTestRelay();
    const [home, bob] = [tempDir(), tempDir()];
    try {
      await Promise.all([
        okInProcess(home, ['init', '--server', gone.url]),
        okInProcess(bob, ['init', '--server', gone.url, '--username', 'bob_mute']),
      ]);
      await okInProcess(home, ['contact', 'add', 'bob', '@bob_mute']);
    } finally {
      await gone.close();
    }
    // A hung relay on the same address: takes the TCP connection, never says a word.
    const held: Socket[] = [];
    const mute = createServer((s) => void held.push(s));
    await new Promise<void>((r) => mute.listen(Number(new URL(gone.url).port), '127.0.0.1', r));
    try {
      const runs = await Promise.all(
        [['send', 'bob', 'hello'], ['inbox'], ['chat', 'bob']].map(async (argv) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const hang = new Promise<null>((r) => (timer = setTimeout(() => r(null), 25_000)));
          const r = await Promise.race([sotto(home, argv, { input: 'hello\n' }), hang]);
          clearTimeout(timer);
          return { argv, r };
        }),
      );
      for (const { argv, r } of runs) {
        assert.ok(r !== null, `sotto ${argv.join(' ')} still waiting after 25 s`);
        assert.equal(r.code, 3, `sotto ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, /^error: the relay is unreachable/m);
      }
      const hist = await okInProcess(home, ['history', 'bob']);
      assert.equal(hist.stdout, '', 'nothing recorded as sent');
    } finally {
      removeTempDirs();
      for (const s of held) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});
