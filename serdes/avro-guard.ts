/**
 * Avro bytes from a topic are input from anyone who can produce to it. avsc
 * trusts the block counts of arrays and maps: five bytes claiming 10^8 items
 * keep it busy for half a minute and take a gigabyte before it notices the
 * buffer is short. So the payload is walked with its writer schema first,
 * without building anything: every count must fit the bytes that are left
 * (an item takes at least one byte unless its type is empty), every length
 * too. Linear in the payload; a malformed one is a DESERIALIZATION error.
 */
import type avro from 'avsc';
import { AuraError, ErrorCodes } from '../common/errors.js';

/** Items of a zero-byte type (null, an empty record) a block may hold: no bytes bound them. */
const MAX_EMPTY_ITEMS = 100_000;

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  long(): number {
    let shift = 1;
    let n = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw malformed('a number runs past the end');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * shift;
      if (b < 0x80) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      shift *= 128;
    }
    throw malformed('a number is longer than 10 bytes');
  }

  skip(n: number, what: string): void {
    if (n < 0 || n > this.left) throw malformed(`${what} of ${n} bytes with ${this.left} left`);
    this.pos += n;
  }
}

export function checkAvroPayload(type: avro.Type, buf: Buffer): void {
  const cursor = new Cursor(buf);
  walk(type, cursor);
  if (cursor.left !== 0) throw malformed(`${cursor.left} bytes left after the value`);
}

function walk(type: avro.Type, c: Cursor): void {
  const t = type as avro.Type & { typeName: string; underlyingType?: avro.Type };
  switch (t.typeName) {
    case 'null':
      return;
    case 'boolean':
      return c.skip(1, 'a boolean');
    case 'int':
    case 'long':
    case 'enum':
      c.long();
      return;
    case 'float':
      return c.skip(4, 'a float');
    case 'double':
      return c.skip(8, 'a double');
    case 'bytes':
    case 'string':
      return c.skip(c.long(), `a ${t.typeName}`);
    case 'fixed':
      return c.skip((type as avro.types.FixedType).size, 'a fixed');
    case 'array':
      return blocks(c, [(type as avro.types.ArrayType).itemsType]);
    case 'map':
      return blocks(c, [stringType, (type as avro.types.MapType).valuesType]);
    case 'record':
    case 'error':
      for (const field of (type as avro.types.RecordType).fields) walk(field.type, c);
      return;
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as unknown as { types: avro.Type[] }).types;
      const index = c.long();
      if (index < 0 || index >= branches.length) throw malformed(`union branch ${index} of ${branches.length}`);
      return walk(branches[index]!, c);
    }
    default:
      if (t.underlyingType) return walk(t.underlyingType, c); // logical types
      throw malformed(`unsupported type ${t.typeName}`);
  }
}

const stringType = { typeName: 'string' } as unknown as avro.Type;

function blocks(c: Cursor, item: avro.Type[]): void {
  const empty = item.every(isEmpty);
  for (let count = c.long(); count !== 0; count = c.long()) {
    if (count < 0) {
      count = -count;
      c.long(); // the block's size in bytes: the items are walked anyway
    }
    if (empty ? count > MAX_EMPTY_ITEMS : count > c.left) throw malformed(`a block of ${count} items with ${c.left} bytes left`);
    for (let i = 0; i < count; i++) for (const t of item) walk(t, c);
  }
}

/** Whether a value of this type can take zero bytes. */
function isEmpty(type: avro.Type): boolean {
  const t = type as avro.Type & { typeName: string; underlyingType?: avro.Type };
  if (t.typeName === 'null') return true;
  if (t.typeName === 'record' || t.typeName === 'error') return (type as avro.types.RecordType).fields.every((f) => isEmpty(f.type));
  if (t.typeName === 'fixed') return (type as avro.types.FixedType).size === 0;
  return t.underlyingType ? isEmpty(t.underlyingType) : false;
}

function malformed(why: string): AuraError {
  return new AuraError(ErrorCodes.DESERIALIZATION, `malformed Avro payload: ${why}`);
}
