// Usernames against a real relay on loopback: a malformed --username is refused before anything
// exists, a taken one says the account was created, and `sotto username set/clear` finish the job.
// The headline steps run the real `sotto` executable; the many variations run in-process (runCli).
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import {
  assertOneLineError,
  ok,
  sotto,
  sottoInProcess,
  tempDir,
  type Run,
  relayForFile,
  closedPort,
} from './sotto-harness.js';

const relay = relayForFile();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** sottoInProcess that must exit 0. */
async function okIn(home: string, args: string[]): Promise<Run> {
  const r = await sottoInProcess(home, args);
  assert.equal(r.code, 0, `sotto ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

void describe('sotto init --username and sotto username (real relay)', () => {
  void it('a malformed --username exits 2 with one line before anything is created: the home stays empty, the relay is not asked', async () => {
    const home = tempDir();
    assertOneLineError(
      await sotto(home, ['init', '--server', relay.url, '--username', 'has-dash']),
      2,
      /^error: invalid --username: 3 to 32 letters, digits or _, starting with a letter$/,
    );
    for (const u of ['ab', '1abc', 'x'.repeat(33), '@', '@é_accent', 'a\u001b[2Jb']) {
      assertOneLineError(
        await sottoInProcess(home, ['init', '--server', relay.url, '--username', u]),
        2,
        /invalid --username/,
      );
    }
    assert.deepEqual(readdirSync(home), [], 'no sotto.db (nor anything else) left behind');
    // Checked before the relay is contacted: an unreachable relay would otherwise exit 3.
    const down = `http://127.0.0.1:${await closedPort()}`;
    assertOneLineError(
      await sottoInProcess(home, ['init', '--server', down, '--username', 'no!']),
      2,
      /--username/,
    );
    // The same rule lets a good name (with an optional @) through; the relay stores it lower case.
    const created = await okIn(home, ['init', '--server', relay.url, '--username', '@Good_Name', '--json']);
    assert.equal((JSON.parse(created.stdout) as { username: string }).username, 'good_name');
  });

  void it('a taken username: init exits 2 saying the account WAS created and how to pick a name; username set/clear then work', async () => {
    const [owner, late, third] = [tempDir(), tempDir(), tempDir()];
    await Promise.all([
      okIn(owner, ['init', '--server', relay.url, '--username', 'taken_u']),
      okIn(third, ['init', '--server', relay.url]),
    ]);

    const r = await sotto(late, ['init', '--server', relay.url, '--username', 'Taken_U', '--name', 'Late']);
    assertOneLineError(
      r,
      2,
      new RegExp(
        `account was created in ${escape(late)}, without a username: .*@Taken_U is taken; ` +
          'choose another with: sotto username set NAME$',
      ),
    );

    // The account (and its --name) exist without a username; taken and malformed names are refused
    // by set (the malformed one before the passphrase is asked: there is none here).
    const who = await okIn(late, ['whoami']);
    assert.match(who.stdout, /^name: +Late$/m);
    assert.match(who.stdout, /^username: +\(none\)$/m);
    assertOneLineError(await sottoInProcess(late, ['username', 'set', 'taken_u']), 2, /taken/);
    assertOneLineError(
      await sottoInProcess(late, ['username', 'set', 'bad-name'], { SOTTO_PASSPHRASE: undefined }),
      2,
      /invalid username/,
    );

    // set with a leading @ and mixed case prints what the relay stored; whoami shows it; others
    // find the account by it.
    const set = await ok(late, ['username', 'set', '@Late_User', '--json']);
    assert.deepEqual(JSON.parse(set.stdout), { username: 'late_user' });
    assert.match((await okIn(late, ['whoami'])).stdout, /^username: +@late_user$/m);
    await okIn(third, ['contact', 'add', 'late', '@late_user']);

    // Changing releases the old name: the owner moves off taken_u, late takes it, and late_user is
    // free for someone else.
    assert.equal((await okIn(owner, ['username', 'set', 'owner_new'])).stdout, 'Username: @owner_new\n');
    await okIn(late, ['username', 'set', 'taken_u']);
    await okIn(third, ['username', 'set', 'late_user']);

    // clear releases it: the owner can claim it back; clearing again says there is none.
    const cleared = await ok(late, ['username', 'clear', '--json']);
    assert.deepEqual(JSON.parse(cleared.stdout), { username: null, released: 'taken_u' });
    const whoAfter = await okIn(late, ['whoami', '--json']);
    assert.equal((JSON.parse(whoAfter.stdout) as { username: unknown }).username, null);
    await okIn(owner, ['username', 'set', 'taken_u']);
    assert.match((await okIn(late, ['username', 'clear'])).stdout, /^No username/);
  });

  void it('sotto --help lists the username command', async () => {
    const r = await sottoInProcess(tempDir(), ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^ +username\b/m);
  });
});
