// The MessagePack BullMQ packs job arguments and options with: msgpackr configured as
// `new Packr({ useRecords: false, encodeUndefinedAsNil: true })` (bullmq's redis-queue-backend).
// Only the value kinds a job carries are needed; every choice below mirrors msgpackr's, so the bytes
// are the same (test/node/enqueue/msgpack.test.ts checks them against msgpackr itself):
//   - integers that fit uint32 / int32 take the smallest int format (fixint up to 127),
//     every other number is a float64;
//   - strings take the smallest str header for their UTF-8 length;
//   - plain objects are always map16 (msgpackr reserves the size before counting keys),
//     with undefined values kept as nil; arrays take the smallest array header.

export type Packable = string | number | boolean | null | undefined | readonly Packable[] | { readonly [key: string]: Packable };

const encoder = new TextEncoder();

class ByteWriter {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

  #room(size: number): void {
    if (this.length + size <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + size));
    grown.set(this.#bytes);
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  #put(size: number, write: (view: DataView, at: number) => void): this {
    this.#room(size);
    write(this.#view, this.length);
    this.length += size;
    return this;
  }

  byte(value: number): this {
    return this.#put(1, (view, at) => view.setUint8(at, value));
  }

  // uint16/uint32 also write negative int16/int32: DataView stores them modulo 2^16/2^32, which is
  // the two's complement setInt16/setInt32 would write.
  uint16(value: number): this {
    return this.#put(2, (view, at) => view.setUint16(at, value));
  }

  uint32(value: number): this {
    return this.#put(4, (view, at) => view.setUint32(at, value));
  }

  float64(value: number): this {
    return this.#put(8, (view, at) => view.setFloat64(at, value));
  }

  bytes(value: Uint8Array): this {
    this.#room(value.length);
    this.#bytes.set(value, this.length);
    this.length += value.length;
    return this;
  }

  result(): Uint8Array {
    return this.#bytes.slice(0, this.length);
  }
}

const packNumber = (out: ByteWriter, value: number): void => {
  if (value >>> 0 === value) {
    if (value < 0x80) out.byte(value);
    else if (value < 0x100) out.byte(0xcc).byte(value);
    else if (value < 0x10000) out.byte(0xcd).uint16(value);
    else out.byte(0xce).uint32(value);
  } else if (value >> 0 === value) {
    if (value >= -0x20) out.byte(0x100 + value);
    else if (value >= -0x80) out.byte(0xd0).byte(value + 0x100);
    else if (value >= -0x8000) out.byte(0xd1).uint16(value);
    else out.byte(0xd2).uint32(value);
  } else {
    out.byte(0xcb).float64(value);
  }
};

const packString = (out: ByteWriter, value: string): void => {
  const utf8 = encoder.encode(value);
  const length = utf8.length;
  if (length < 0x20) out.byte(0xa0 | length);
  else if (length < 0x100) out.byte(0xd9).byte(length);
  else if (length < 0x10000) out.byte(0xda).uint16(length);
  else out.byte(0xdb).uint32(length);
  out.bytes(utf8);
};

const isArray = (value: Packable): value is readonly Packable[] => Array.isArray(value);

const packArray = (out: ByteWriter, value: readonly Packable[]): void => {
  const length = value.length;
  if (length < 0x10) out.byte(0x90 | length);
  else if (length < 0x10000) out.byte(0xdc).uint16(length);
  else out.byte(0xdd).uint32(length);
  for (const item of value) packValue(out, item);
};

const packMap = (out: ByteWriter, value: { readonly [key: string]: Packable }): void => {
  const entries = Object.entries(value);
  if (entries.length > 0xffff) throw new RangeError('msgpack: object has more than 65535 keys');
  out.byte(0xde).uint16(entries.length);
  for (const [key, item] of entries) {
    packString(out, key);
    packValue(out, item);
  }
};

const packValue = (out: ByteWriter, value: Packable): void => {
  if (value === null || value === undefined) out.byte(0xc0);
  else if (typeof value === 'boolean') out.byte(value ? 0xc3 : 0xc2);
  else if (typeof value === 'number') packNumber(out, value);
  else if (typeof value === 'string') packString(out, value);
  else if (isArray(value)) packArray(out, value);
  else packMap(out, value);
};

export const pack = (value: Packable): Uint8Array => {
  const out = new ByteWriter();
  packValue(out, value);
  return out.result();
};
