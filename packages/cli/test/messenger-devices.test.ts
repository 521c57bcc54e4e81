// Several devices from the command line: `sotto init --link` on a new home shows a request,
// `sotto devices link REQUEST` on the existing home answers with the sealed link, and pasted back it
// makes the new home a second device of the account (same identity, both receive); `sotto devices`
// lists them and `sotto devices remove` cuts one off. Wrong, altered or missing codes change nothing.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  assertOneLineError,
  contactsPairInProcess,
  jsonLines,
  okInProcess,
  relayForFile,
  sottoInProcess,
  startSotto,
  tempDir,
} from './sotto-harness.js';
import type { RunningSotto } from './sotto-harness.js';

const relay = relayForFile();
const REQUEST = /sotto devices link (\S+)/;

/** Starts `sotto init --link` in `home`: the process, and the request it printed. */
async function startLink(
  home: string,
  args: string[] = [],
): Promise<{ proc: RunningSotto; request: string }> {
  const proc = startSotto(home, ['init', '--link', ...args]);
  await proc.seen(REQUEST);
  return { proc, request: REQUEST.exec(proc.stdout())![1]! };
}

/** `sotto devices link REQUEST --json` in `home`: the sealed code, and the request fingerprint it named. */
async function answerWith(
  home: string,
  request: string,
): Promise<{ code: string; requestFingerprint: string }> {
  const r = await okInProcess(home, ['devices', 'link', request, '--json']);
  // The warning goes where a person reads it, never into the JSON.
  assert.match(r.stderr, /gives the device showing request [0-9a-f ]{19} full use of this account/);
  return JSON.parse(r.stdout) as { code: string; requestFingerprint: string };
}
const answer = async (home: string, request: string) => (await answerWith(home, request)).code;

void describe('sotto devices and init --link', () => {
  void it('links a second device that shares the identity and receives too; lists and removes devices', async () => {
    const { alice, bob } = await contactsPairInProcess(relay.url);
    const who = JSON.parse((await okInProcess(alice, ['whoami', '--json'])).stdout) as {
      accountId: string;
      username: string;
      identityFingerprint: string;
    };
    const laptop = tempDir();
    const { proc, request } = await startLink(laptop, ['--name', 'Alice laptop']);
    const { code, requestFingerprint } = await answerWith(alice, request);
    // Both sides name the same request, for the person to compare.
    assert.match(proc.stdout(), new RegExp(`check that it names request ${requestFingerprint}, then paste`));
    // Pasted with the indentation it was printed with, after an empty line: both are ignored.
    proc.end(`\n   ${code}  \n`);
    const linked = await proc.exit;
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(linked.stdout, new RegExp(`^Linked .* as device 2 of account ${who.accountId} on `, 'm'));
    assert.match(linked.stdout, new RegExp(`^identity: +${who.identityFingerprint} `, 'm'));

    const laptopWho = JSON.parse((await okInProcess(laptop, ['whoami', '--json'])).stdout) as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      [
        laptopWho['accountId'],
        laptopWho['deviceId'],
        laptopWho['identityFingerprint'],
        laptopWho['name'],
        laptopWho['username'],
      ],
      [who.accountId, 2, who.identityFingerprint, 'Alice laptop', who.username],
    );
    const list = JSON.parse((await okInProcess(alice, ['devices', '--json'])).stdout) as unknown;
    assert.deepEqual(list, {
      devices: [
        { id: 1, thisDevice: true },
        { id: 2, thisDevice: false },
      ],
    });
    assert.equal((await okInProcess(laptop, ['devices'])).stdout, '1\n2  (this device)\n');

    // The contact list follows: the laptop asks when it first connects, alice's first device answers
    // when it next connects, and the laptop merges it on its next inbox.
    assert.deepEqual(JSON.parse((await okInProcess(laptop, ['contact', 'list', '--json'])).stdout), []);
    await okInProcess(laptop, ['inbox']);
    await okInProcess(alice, ['inbox']);
    await okInProcess(laptop, ['inbox']);
    const synced = JSON.parse((await okInProcess(laptop, ['contact', 'list', '--json'])).stdout) as {
      name: string;
      trust: string;
    }[];
    assert.deepEqual(
      synced.map((c) => [c.name, c.trust]),
      [['bob', 'unverified']],
    );

    // Bob's message reaches both of Alice's devices.
    await okInProcess(bob, ['send', 'alice', 'to every device of yours']);
    for (const home of [alice, laptop]) {
      const got = jsonLines((await okInProcess(home, ['inbox', '--json'])).stdout);
      assert.deepEqual(
        got.map((m) => m['text']),
        ['to every device of yours'],
        home === alice ? 'the first device' : 'the linked device',
      );
    }

    // Removing: needs --yes, never this device, only a device that exists.
    assertOneLineError(await sottoInProcess(alice, ['devices', 'remove', '2']), 2, /run it again with --yes/);
    assertOneLineError(
      await sottoInProcess(alice, ['devices', 'remove', '1', '--yes']),
      2,
      /the device you are on/,
    );
    assertOneLineError(
      await sottoInProcess(alice, ['devices', 'remove', '9', '--yes']),
      5,
      /has no device 9/,
    );
    assertOneLineError(
      await sottoInProcess(alice, ['devices', 'remove', 'two', '--yes']),
      2,
      /invalid device id/,
    );
    assert.deepEqual(
      JSON.parse((await okInProcess(alice, ['devices', 'remove', '2', '--yes', '--json'])).stdout),
      {
        removed: 2,
      },
    );
    assert.equal((await okInProcess(alice, ['devices'])).stdout, '1  (this device)\n');
    // The removed device is refused by the relay from then on.
    assertOneLineError(await sottoInProcess(laptop, ['devices']), 4, /no longer recognises this device/);
  });

  void it('refuses a code made for another request, an altered or malformed code, and no code; nothing is created', async () => {
    const { alice } = await contactsPairInProcess(relay.url);
    const first = await startLink(tempDir());
    const codeForFirst = await answer(alice, first.request);
    first.proc.end();
    assert.equal((await first.proc.exit).code, 2);

    const cases: [string, RegExp][] = [
      [codeForFirst, /^error: invalid link code: it was not made for this request/],
      ['not a code!', /^error: invalid link code: it has characters a code never has/],
      // 9 characters: no base64url text has a length of 4k + 1, so this is cut short whatever the code.
      [codeForFirst.slice(0, 9), /^error: invalid link code: it is cut short or has extra characters$/],
      [codeForFirst.slice(0, 40), /^error: invalid link code: it was not made for this request/],
      ['', /^error: no link code given/],
    ];
    for (const [input, expected] of cases) {
      const home = tempDir();
      const { proc } = await startLink(home);
      proc.end(input === '' ? '' : input + '\n');
      const r = await proc.exit;
      assert.equal(r.code, 2, `${input.slice(0, 20)}: ${r.stderr}`);
      assert.match(r.stderr.trim(), expected);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assertOneLineError(await sottoInProcess(home, ['whoami']), 5, /no account/);
    }
    // An altered code: one character changed in the middle.
    const home = tempDir();
    const { proc, request } = await startLink(home);
    const code = await answer(alice, request);
    const i = Math.floor(code.length / 2);
    proc.end(code.slice(0, i) + (code[i] === 'A' ? 'B' : 'A') + code.slice(i + 1) + '\n');
    const r = await proc.exit;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /it was not made for this request .* or it was altered/);
    assertOneLineError(await sottoInProcess(home, ['whoami']), 5, /no account/);
  });

  void it('checks the flags and the request before asking for anything', async () => {
    const home = tempDir();
    assertOneLineError(
      await sottoInProcess(home, ['init', '--link', '--server', relay.url]),
      2,
      /leave out --server/,
    );
    assertOneLineError(
      await sottoInProcess(home, ['init', '--link', '--username', 'x_y']),
      2,
      /leave out --username/,
    );
    assertOneLineError(await sottoInProcess(home, ['init']), 2, /--server <url>' not specified \(or --link/);
    // No passphrase available: the request is checked before it would be asked for.
    assertOneLineError(
      await sottoInProcess(home, ['devices', 'link', 'AAAA'], { SOTTO_PASSPHRASE: undefined }),
      2,
      /invalid link request: it is cut short/,
    );
    assertOneLineError(await sottoInProcess(home, ['devices', 'link', 'a+b/']), 2, /invalid link request/);
  });
});
