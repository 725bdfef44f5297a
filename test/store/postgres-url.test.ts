// DATABASE_URL as node-postgres reads it: what the bot names in its messages and what it keeps out
// of its logs must be the server pg really connects to, sockets included.
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { describePostgresUrl, parsePostgresUrl } from '../../src/store/postgres-url.js';

const NO_ENV = {};

describe('a PostgreSQL URL', () => {
  it.each([
    ['postgres://bot:secret@db.example.com:6432/bot', 'db.example.com:6432/bot'],
    ['postgresql://bot@db/bot?sslmode=verify-full', 'db:5432/bot'],
    ['postgres://bot@[::1]:5433/bot', '[::1]:5433/bot'],
    ['postgres://bot:secret@/bot?host=/run/postgresql', 'socket /run/postgresql/.s.PGSQL.5432, database bot'],
    ['postgresql:///bot?host=/var/run/postgresql&port=5433', 'socket /var/run/postgresql/.s.PGSQL.5433, database bot'],
    ['postgres://%2Frun%2Fpostgresql/bot', 'socket /run/postgresql/.s.PGSQL.5432, database bot'],
    ['postgres://db.example.com/bot?host=10.0.0.5', '10.0.0.5:5432/bot'],
  ])('%s is described as %s', (url, described) => {
    expect(describePostgresUrl(url)).toBe(described);
  });

  it.each([
    'postgres://bot:secret@db.example.com:6432/bot',
    'postgres://bot:s%40cret@/bot?host=/run/postgresql',
    'postgresql:///bot?host=/var/run/postgresql&port=5433&user=bot&password=pw',
    'postgres://%2Frun%2Fpostgresql/bot',
    'postgres://bot@[::1]:5433/bot',
    // Passwords typed as they are, which pg still reads:
    'postgres://bot:my pass@db/bot',
    'postgres://bot:100%sure@db/bot',
    'postgres://bot:p@ss@db/bot',
    'postgres://bot:%41%zz@db/bot', // an escape beside a lone %: pg decodes the one and keeps the other
  ])('%s names the host, port, database, user and password that pg connects with', (url) => {
    const ours = parsePostgresUrl(url, NO_ENV);
    const pgs = parse(url);
    expect({ host: ours.host, port: ours.port, database: ours.database, user: ours.user, password: ours.password }).toEqual({
      host: pgs.host,
      port: pgs.port || '5432',
      database: pgs.database,
      user: pgs.user,
      password: pgs.password || undefined,
    });
  });

  it("takes pg's defaults for what the URL leaves out", () => {
    expect(parsePostgresUrl('postgres:///bot', NO_ENV)).toMatchObject({ host: 'localhost', port: '5432', database: 'bot', socket: false });
    expect(parsePostgresUrl('postgres:///bot', { PGHOST: '/tmp', PGPORT: '5499' })).toMatchObject({ host: '/tmp', port: '5499', socket: true });
    expect(parsePostgresUrl('postgres://bot@db', { USER: 'root' })).toMatchObject({ database: 'bot' });
  });

  it.each(['postgres://bot:secret@db:port/bot', 'postgres://bot:pa#ss@db/bot', 'postgres://bot:pa/ss@db/bot'])(
    '%s cannot be described when pg could not read it either, and is not repeated',
    (url) => {
      expect(() => parse(url)).toThrow();
      expect(describePostgresUrl(url)).toBe('PostgreSQL (unparsable DATABASE_URL)');
    },
  );
});
