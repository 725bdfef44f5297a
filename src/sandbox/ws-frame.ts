// The long connection's frame (pbbp2.Frame, protobuf), encoded and decoded by hand: the sandbox
// speaks it to the SDK's WSClient. Field numbers as in the SDK:
//   1 SeqID uint64, 2 LogID uint64, 3 service int32, 4 method int32 (0 control, 1 data),
//   5 headers repeated {1 key string, 2 value string}, 6 payloadEncoding string,
//   7 payloadType string, 8 payload bytes, 9 LogIDNew string.

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export const FRAME_CONTROL = 0;
export const FRAME_DATA = 1;

class Writer {
  private readonly parts: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
    return this;
  }

  key(field: number, wireType: 0 | 2): this {
    return this.varint((field << 3) | wireType);
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    for (const byte of data) this.parts.push(byte);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function encodeFrame(frame: Frame): Uint8Array {
  const w = new Writer()
    .key(1, 0).varint(frame.SeqID)
    .key(2, 0).varint(frame.LogID)
    .key(3, 0).varint(frame.service)
    .key(4, 0).varint(frame.method);
  for (const header of frame.headers) {
    w.bytes(5, new Writer().string(1, header.key).string(2, header.value).finish());
  }
  if (frame.payloadEncoding !== undefined) w.string(6, frame.payloadEncoding);
  if (frame.payloadType !== undefined) w.string(7, frame.payloadType);
  if (frame.payload !== undefined) w.bytes(8, frame.payload);
  if (frame.LogIDNew !== undefined) w.string(9, frame.LogIDNew);
  return w.finish();
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length || shift > 63n) throw new Error('truncated or overlong varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export function decodeFrame(buf: Uint8Array): Frame {
  const r = new Reader(buf);
  const frame: Frame = { SeqID: 0, LogID: 0, service: 0, method: 0, headers: [] };
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >> 3;
    const wireType = key & 7;
    switch (field) {
      case 1: frame.SeqID = Number(r.varint()); break;
      case 2: frame.LogID = Number(r.varint()); break;
      case 3: frame.service = Number(BigInt.asIntN(32, r.varint())); break;
      case 4: frame.method = Number(BigInt.asIntN(32, r.varint())); break;
      case 5: {
        const h = new Reader(r.bytes());
        const header: FrameHeader = { key: '', value: '' };
        while (!h.done) {
          const hk = Number(h.varint());
          if (hk >> 3 === 1) header.key = text(h.bytes());
          else if (hk >> 3 === 2) header.value = text(h.bytes());
          else h.skip(hk & 7);
        }
        frame.headers.push(header);
        break;
      }
      case 6: frame.payloadEncoding = text(r.bytes()); break;
      case 7: frame.payloadType = text(r.bytes()); break;
      case 8: frame.payload = r.bytes().slice(); break;
      case 9: frame.LogIDNew = text(r.bytes()); break;
      default: r.skip(wireType);
    }
  }
  return frame;
}

export function headerOf(frame: Frame, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value;
}
