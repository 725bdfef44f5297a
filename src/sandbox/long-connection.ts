// The long-connection side of the sandbox: the endpoint the SDK's WSClient asks for a socket URL,
// and a WebSocket server speaking pbbp2 frames that pushes events, reads acknowledgements,
// answers pings, and can drop or go silent on demand.
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeFrame, encodeFrame, FRAME_CONTROL, FRAME_DATA, headerOf, type Frame } from './ws-frame.js';

export interface LongConnectionOptions {
  /** Seconds between the client's pings (Feishu: 120). */
  pingInterval?: number;
  /** Seconds between reconnect attempts (Feishu: 120). */
  reconnectInterval?: number;
  /** Up to this many seconds of random delay before the first reconnect (Feishu: 30). */
  reconnectNonce?: number;
}

export interface Ack {
  code: number;
  [key: string]: unknown;
}

const SERVICE_ID = 33554678;

export function longConnectionSandbox(options: LongConnectionOptions = {}) {
  const clientConfig = {
    PingInterval: options.pingInterval ?? 120,
    ReconnectCount: -1,
    ReconnectInterval: options.reconnectInterval ?? 120,
    ReconnectNonce: options.reconnectNonce ?? 30,
  };
  /**
   * Sockets whose client has pinged: the SDK listens for frames only after its connect promise
   * settles, and pings on open, so a frame pushed before the first ping could fall into the gap.
   */
  const sockets = new Set<WebSocket>();
  const all = new Set<WebSocket>();
  const pending = new Map<string, (ack: Ack) => void>();
  const acks: Array<{ messageId: string; ack: Ack }> = [];
  const stats = { connections: 0, pings: 0 };
  let seq = 1;
  let silent = false;
  let wss: WebSocketServer | undefined;
  let connectWaiters: Array<() => void> = [];

  function onMessage(socket: WebSocket, data: Buffer): void {
    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch {
      return;
    }
    if (silent) return; // a half-open connection: nothing comes back
    if (frame.method === FRAME_CONTROL && headerOf(frame, 'type') === 'ping') {
      stats.pings++;
      if (!sockets.has(socket)) {
        sockets.add(socket);
        const waiters = connectWaiters;
        connectWaiters = [];
        waiters.forEach((wake) => wake());
      }
      const pong: Frame = {
        ...frame,
        headers: [{ key: 'type', value: 'pong' }],
        payload: new TextEncoder().encode(JSON.stringify(clientConfig)),
      };
      socket.send(encodeFrame(pong));
      return;
    }
    if (frame.method === FRAME_DATA) {
      const messageId = headerOf(frame, 'message_id') ?? '';
      let ack: Ack = { code: -1 };
      try {
        ack = JSON.parse(new TextDecoder().decode(frame.payload ?? new Uint8Array()));
      } catch {
        /* an unreadable acknowledgement counts as none */
      }
      acks.push({ messageId, ack });
      pending.get(messageId)?.(ack);
      pending.delete(messageId);
    }
  }

  return {
    clientConfig,
    stats,
    acks,

    /** The answer to POST /callback/ws/endpoint. */
    endpoint(baseUrl: string) {
      const device = randomBytes(6).toString('hex');
      const url = `${baseUrl.replace(/^http/, 'ws')}/ws?device_id=${device}&service_id=${SERVICE_ID}`;
      return { code: 0, msg: 'ok', data: { URL: url, ClientConfig: clientConfig } };
    },

    attach(server: Server): void {
      wss = new WebSocketServer({ server, path: '/ws' });
      wss.on('connection', (socket) => {
        stats.connections++;
        all.add(socket);
        socket.on('message', (data: Buffer) => onMessage(socket, data));
        const gone = () => {
          sockets.delete(socket);
          all.delete(socket);
        };
        socket.on('close', gone);
        socket.on('error', gone);
      });
    },

    /** Open connections that have pinged. */
    connections: () => sockets.size,

    /** Resolves when at least one client is connected and has pinged. */
    async connected(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (sockets.size === 0) {
        if (Date.now() > deadline) throw new Error('no long connection within the timeout');
        await new Promise<void>((resolve) => {
          connectWaiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },

    /**
     * Pushes an event envelope to one connected client (Feishu picks one at random) and resolves
     * with its acknowledgement, or `{code: -1}` when none came within `timeoutMs`.
     */
    async push(envelope: unknown, timeoutMs = 5000): Promise<Ack> {
      await this.connected(timeoutMs);
      const open = [...sockets];
      const socket = open[Math.floor(Math.random() * open.length)]!;
      const messageId = `msg_${randomBytes(8).toString('hex')}`;
      const frame: Frame = {
        SeqID: seq++,
        LogID: seq,
        service: SERVICE_ID,
        method: FRAME_DATA,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: messageId },
          { key: 'sum', value: '1' },
          { key: 'seq', value: '0' },
          { key: 'trace_id', value: randomBytes(8).toString('hex') },
        ],
        payload: new TextEncoder().encode(JSON.stringify(envelope)),
      };
      return new Promise<Ack>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(messageId);
          resolve({ code: -1, error: 'no acknowledgement' });
        }, timeoutMs);
        pending.set(messageId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        socket.send(encodeFrame(frame));
      });
    },

    /** Drops every connection at once, as a network failure would. */
    drop(): void {
      for (const socket of all) socket.terminate();
    },

    /** A half-open connection: frames are still taken, but nothing is answered (no pongs). */
    setSilent(value: boolean): void {
      silent = value;
    },

    close(): void {
      for (const socket of all) socket.terminate();
      wss?.close();
    },
  };
}

export type LongConnectionSandbox = ReturnType<typeof longConnectionSandbox>;
