// An Open Platform that hands out tenant tokens and drops the connection of every other call
// before answering: a send or an edit cut off on the way.
import { createServer } from 'node:http';

export async function tokenThenDrop(): Promise<{ url: string; port: number; close(): void }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/open-apis/auth/')) res.end(JSON.stringify({ code: 0, tenant_access_token: 't-1', expire: 7200 }));
    else req.socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
