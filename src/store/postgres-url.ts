// DATABASE_URL for PostgreSQL, read as node-postgres reads it (pg-connection-string), for what the
// bot says about it: the host (in the URL or in ?host=), a Unix socket directory (a host that
// starts with '/': postgres://bot@/bot?host=/run/postgresql, or percent-encoded in the URL's host:
// postgres://%2Frun%2Fpostgresql/bot), the port and the password likewise. The connection itself
// is made by pg from the URL as given; this only names its target in messages and finds the
// password to keep out of the logs.

export interface PostgresTarget {
  /** A host name or address, or a socket directory. */
  host: string;
  port: string;
  database: string;
  user: string;
  password: string | undefined;
  /** A Unix socket: `host` is its directory. */
  socket: boolean;
}

const decode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Whether DATABASE_URL names PostgreSQL (postgres:// or postgresql://), readable or not. */
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** What a postgres:// or postgresql:// URL itself names; throws for anything else, and for a URL pg could not read. */
export function namedIn(url: string): Partial<Omit<PostgresTarget, 'socket'>> {
  if (!isPostgresUrl(url)) throw new Error('not a postgres:// or postgresql:// URL');
  // As pg does: a space or a lone % (a password typed as it is) is encoded first.
  if (/ |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url)) url = encodeURI(url).replace(/%25(\d\d)/g, '%$1');
  let parsed: URL;
  let hostless = false;
  try {
    parsed = new URL(url);
  } catch {
    // A user with no host (postgres://bot@/bot?host=…) is no WHATWG URL; pg reads it with a dummy host.
    parsed = new URL(url.replace('@/', '@___DUMMY___/'));
    hostless = true;
  }
  const query = parsed.searchParams;
  const named = {
    host: query.get('host') || (hostless ? '' : decode(parsed.hostname.replace(/^\[(.+)\]$/, '$1'))),
    port: query.get('port') || parsed.port,
    database: decode(parsed.pathname.slice(1)),
    user: query.get('user') || decode(parsed.username),
    password: query.get('password') || decode(parsed.password),
  };
  return Object.fromEntries(Object.entries(named).filter(([, value]) => value !== '')) as Partial<Omit<PostgresTarget, 'socket'>>;
}

/**
 * The target of a postgres:// or postgresql:// URL, with pg's defaults where the URL names none:
 * PGHOST, PGPORT, PGDATABASE and PGUSER, else localhost:5432 and the user's own database.
 */
export function parsePostgresUrl(url: string, env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  const named = namedIn(url);
  const host = named.host || env.PGHOST || 'localhost';
  const user = named.user || env.PGUSER || env.USER || '';
  return {
    host,
    port: named.port || env.PGPORT || '5432',
    database: named.database || env.PGDATABASE || user,
    user,
    password: named.password,
    socket: host.startsWith('/'),
  };
}

/** Where a URL points, without user or password: for messages. */
export function describePostgresUrl(url: string): string {
  let target: PostgresTarget;
  try {
    target = parsePostgresUrl(url);
  } catch {
    return 'PostgreSQL (unparsable DATABASE_URL)';
  }
  if (target.socket) return `socket ${target.host}/.s.PGSQL.${target.port}, database ${target.database}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}/${target.database}`;
}
