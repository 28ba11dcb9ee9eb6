// A tiny protocol-buffers writer, enough to encode ONNX models. We write our own rather than take a dependency:
// the project has no runtime dependencies, ONNX needs only a handful of messages, and the wire format for them
// needs three things: varints, 32-bit floats and length-delimited bytes (strings, nested messages, raw tensor
// data). Repeated fields are written one element per key, as onnx.proto declares them (not packed); tensor
// values go in raw_data. Fields are written in the order they are added; readers accept any order.

// Wire types: how the value after a field's key is laid out.
const VARINT = 0;
const BYTES = 2;
const FIXED32 = 5;

const utf8 = new TextEncoder();

/** Builds one message. Nested messages are built with their own writer and added with `message`. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** A base-128 varint. Negative int32/int64 values take ten bytes (their 64-bit two's complement), as protobuf says. */
  private rawVarint(v: number | bigint): void {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`protobuf: varint ${v} is not a safe integer`);
    if (typeof v === 'number' && v >= 0) {
      // Division rather than >>> so values above 2^32 (up to 2^53) are exact.
      while (v >= 0x80) {
        this.byte((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.byte(v);
      return;
    }
    let u = BigInt.asUintN(64, BigInt(v));
    while (u >= 0x80n) {
      this.byte(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.byte(Number(u));
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** int32, int64, uint64, bool or enum. */
  varint(field: number, v: number | bigint): this {
    this.key(field, VARINT);
    this.rawVarint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, BYTES);
    this.rawVarint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** The message's bytes (a view of the writer's buffer; copy it before writing more). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
