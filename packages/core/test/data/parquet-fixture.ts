/**
 * A minimal Parquet writer for test fixtures (hyparquet reads but does not write, and no Parquet
 * file ships in node_modules). One row group, one uncompressed PLAIN data page (v1) per column,
 * REQUIRED columns only: strings (BYTE_ARRAY + UTF8), int64, double, boolean. Footer in Thrift
 * compact protocol, per https://github.com/apache/parquet-format.
 */
export type FixtureColumn =
  | { name: string; type: "string"; values: string[] }
  | { name: string; type: "int64"; values: bigint[] }
  | { name: string; type: "double"; values: number[] }
  | { name: string; type: "boolean"; values: boolean[] };

class Bytes {
  private out: number[] = [];
  byte(b: number): void {
    this.out.push(b & 0xff);
  }
  bytes(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.out.push(b[i] as number);
  }
  varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }
  get length(): number {
    return this.out.length;
  }
  toUint8Array(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const zigzag = (n: bigint): bigint => (n >= 0n ? n << 1n : (-n << 1n) - 1n);

// Thrift compact type ids
const T = { I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;
type Field = [id: number, kind: "i32" | "i64" | "string", value: number | bigint | string] | [id: number, kind: "struct", value: Field[]] | [id: number, kind: "list", value: ListValue];
type ListValue = { elem: "i32"; items: number[] } | { elem: "string"; items: string[] } | { elem: "struct"; items: Field[][] };

function writeStruct(b: Bytes, fields: Field[]): void {
  let last = 0;
  for (const f of fields) {
    const [id, kind] = f;
    const typeId = { i32: T.I32, i64: T.I64, string: T.BINARY, struct: T.STRUCT, list: T.LIST }[kind];
    b.byte(((id - last) << 4) | typeId);
    last = id;
    writeValue(b, f);
  }
  b.byte(0);
}

function writeString(b: Bytes, s: string): void {
  const u = new TextEncoder().encode(s);
  b.varint(BigInt(u.length));
  b.bytes(u);
}

function writeValue(b: Bytes, f: Field): void {
  switch (f[1]) {
    case "i32":
    case "i64":
      b.varint(zigzag(BigInt(f[2] as number | bigint)));
      return;
    case "string":
      writeString(b, f[2] as string);
      return;
    case "struct":
      writeStruct(b, f[2] as Field[]);
      return;
    case "list": {
      const l = f[2] as ListValue;
      const elem = { i32: T.I32, string: T.BINARY, struct: T.STRUCT }[l.elem];
      if (l.items.length < 15) b.byte((l.items.length << 4) | elem);
      else {
        b.byte(0xf0 | elem);
        b.varint(BigInt(l.items.length));
      }
      for (const it of l.items) {
        if (l.elem === "i32") b.varint(zigzag(BigInt(it as number)));
        else if (l.elem === "string") writeString(b, it as string);
        else writeStruct(b, it as Field[]);
      }
    }
  }
}

function plainValues(c: FixtureColumn): Uint8Array {
  const b = new Bytes();
  if (c.type === "string") {
    for (const s of c.values) {
      const u = new TextEncoder().encode(s);
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, u.length, true);
      b.bytes(len);
      b.bytes(u);
    }
  } else if (c.type === "int64" || c.type === "double") {
    for (const v of c.values) {
      const u = new Uint8Array(8);
      const dv = new DataView(u.buffer);
      if (c.type === "int64") dv.setBigInt64(0, v as bigint, true);
      else dv.setFloat64(0, v as number, true);
      b.bytes(u);
    }
  } else {
    const u = new Uint8Array(Math.ceil(c.values.length / 8));
    c.values.forEach((v, i) => {
      if (v) u[i >> 3] = (u[i >> 3] as number) | (1 << (i & 7));
    });
    b.bytes(u);
  }
  return b.toUint8Array();
}

const physical = { boolean: 0, int64: 2, double: 5, string: 6 } as const;

/** Encodes the columns (all of the same length) as a Parquet file. */
export function writeParquetFixture(columns: FixtureColumn[]): Uint8Array {
  const numRows = columns[0]?.values.length ?? 0;
  const file = new Bytes();
  file.bytes(new TextEncoder().encode("PAR1"));
  const chunks: Field[][] = [];
  let totalBytes = 0;
  for (const c of columns) {
    const data = plainValues(c);
    const header = new Bytes();
    writeStruct(header, [
      [1, "i32", 0], // DATA_PAGE
      [2, "i32", data.length],
      [3, "i32", data.length],
      [5, "struct", [
        [1, "i32", numRows],
        [2, "i32", 0], // PLAIN
        [3, "i32", 3], // RLE
        [4, "i32", 3],
      ]],
    ]);
    const offset = file.length;
    file.bytes(header.toUint8Array());
    file.bytes(data);
    const size = header.length + data.length;
    totalBytes += size;
    chunks.push([
      [2, "i64", BigInt(offset)],
      [3, "struct", [
        [1, "i32", physical[c.type]],
        [2, "list", { elem: "i32", items: [0] }],
        [3, "list", { elem: "string", items: [c.name] }],
        [4, "i32", 0], // UNCOMPRESSED
        [5, "i64", BigInt(numRows)],
        [6, "i64", BigInt(size)],
        [7, "i64", BigInt(size)],
        [9, "i64", BigInt(offset)],
      ]],
    ]);
  }
  const schema: Field[][] = [
    [
      [4, "string", "schema"],
      [5, "i32", columns.length],
    ],
    ...columns.map((c): Field[] => [
      [1, "i32", physical[c.type]],
      [3, "i32", 0], // REQUIRED
      [4, "string", c.name],
      ...(c.type === "string" ? ([[6, "i32", 0]] as Field[]) : []), // UTF8
    ]),
  ];
  const footer = new Bytes();
  writeStruct(footer, [
    [1, "i32", 1],
    [2, "list", { elem: "struct", items: schema }],
    [3, "i64", BigInt(numRows)],
    [4, "list", { elem: "struct", items: [[
      [1, "list", { elem: "struct", items: chunks }],
      [2, "i64", BigInt(totalBytes)],
      [3, "i64", BigInt(numRows)],
    ]] }],
  ]);
  const f = footer.toUint8Array();
  file.bytes(f);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, f.length, true);
  file.bytes(len);
  file.bytes(new TextEncoder().encode("PAR1"));
  return file.toUint8Array();
}
