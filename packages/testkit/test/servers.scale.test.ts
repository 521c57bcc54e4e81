// The throwaway-server harness: real PostgreSQL and Redis on loopback, reachable, restartable, and
// deleted at the end. Missing binaries make this FAIL with install instructions (never skip).
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { findPostgresBin, findRedisServer, startPostgres, startRedis } from '../src/servers/index.js';
import type { PostgresServer, RedisServer } from '../src/servers/index.js';

function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      resolve(d.toString().trim());
      s.destroy();
    });
    s.once('error', reject);
  });
}

void describe('throwaway servers', () => {
  let pg: PostgresServer;
  let redis: RedisServer;
  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  after(async () => {
    await Promise.all([pg?.dispose(), redis?.dispose()]);
  });

  void it('starts PostgreSQL on a loopback port below 32768 and creates fresh databases', async () => {
    assert.ok(pg.port >= 20_000 && pg.port < 32_768);
    assert.match(pg.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const url = await pg.createDatabase();
    const db = new URL(url).pathname.slice(1);
    assert.equal((await pg.psql('SELECT current_database()', db)).trim(), db);
    assert.equal((await pg.psql('SHOW fsync')).trim(), 'off');
  });

  void it('starts redis-server on loopback and restarts it on the same port', async () => {
    assert.ok(redis.port >= 20_000 && redis.port < 32_768);
    assert.equal(await redisPing(redis.port), '+PONG');
    await redis.stop();
    await assert.rejects(redisPing(redis.port));
    await redis.start();
    assert.equal(await redisPing(redis.port), '+PONG');
    assert.ok(existsSync(redis.dir));
  });

  void it('restarts PostgreSQL keeping its data, and deletes everything on dispose', async () => {
    const url = await pg.createDatabase('kept');
    await pg.psql('CREATE TABLE t (x int); INSERT INTO t VALUES (42)', 'kept');
    await pg.stop();
    await assert.rejects(pg.psql('SELECT 1'));
    await pg.start();
    assert.equal((await pg.psql('SELECT x FROM t', 'kept')).trim(), '42');
    assert.ok(url.endsWith('/kept'));
    const other = await startPostgres();
    assert.ok(existsSync(other.dir));
    await other.dispose();
    assert.equal(existsSync(other.dir), false, 'data directory deleted');
    await other.dispose(); // idempotent
    await assert.rejects(other.psql('SELECT 1'));
  });
});

void describe('missing server binaries', () => {
  void it('fail loudly with the one-line install command instead of skipping', () => {
    assert.throws(() => findPostgresBin(undefined, '/nonexistent'), {
      code: 'BinaryMissing',
      message: /apt-get install -y postgresql redis-server/,
    });
    assert.throws(() => findRedisServer(undefined, ['/nonexistent/redis-server']), {
      code: 'BinaryMissing',
      message: /apt-get install -y postgresql redis-server/,
    });
  });
});
