#!/usr/bin/env node
// MessagePack interop peer for tests/msgpack_test.cc, built on npm @msgpack/msgpack (an
// implementation independent of msgpack-cxx).
//
//   node msgpack_peer.js encode <file>   writes "name\thex" for every case below
//   node msgpack_peer.js verify <file>   reads "name\thex" lines (the C++ encodings), decodes each
//                                        (a line may hold several values: a Dubbo body) and
//                                        compares with the case's expected values
//
// The contract of the other peers (tests/interop/README.md): verify prints "OK <name>",
// "FAIL <name>: <reason>" or "UNKNOWN <name>" per line and exits 0 only when every line is OK, 1
// otherwise, 2 on a usage error. In addition every case except the ENCODE_ONLY ones must be in the
// file ("FAIL <name>: missing"), so a case dropped on the C++ side does not go unnoticed. Integers in 64-bit formats decode as BigInt (useBigInt64), so expected values that the
// encoders put in those formats are BigInt here. The C++ test keeps the same case names.
'use strict';

const fs = require('fs');
const { encode, decodeMulti } = require('@msgpack/msgpack');

const OPTIONS = { useBigInt64: true };

const IFACE = 'org.apache.dubbo.demo.DemoService';

// Each case: the values of one line, in order (most lines hold one value).
const CASES = {
  date_ext: [new Date(1700000000123)],  // JS writes a Date as a msgpack timestamp
  bool_true: [true],
  nil: [null],
  int_fix: [7],
  int_negfix: [-32],
  int_u8: [200],
  int_i8: [-33],
  int_u16: [65535],
  int_i16: [-300],
  int_u32: [4000000000],
  int_i32: [-2147483648],
  long_u64: [1099511627776n],
  long_min: [-9223372036854775808n],
  long_max: [9223372036854775807n],
  double: [1.5],
  double_tiny: [-1.25e-300],
  float: [0.25],
  double_integral: [2],
  str_empty: [''],
  str_utf8: ['h\u00e9llo, \u4e16\u754c \u{1F600}'],
  str8: ['a'.repeat(40)],
  str16: ['b'.repeat(300)],
  bin: [new Uint8Array([0, 1, 2, 255])],
  bin_empty: [new Uint8Array([])],
  array_ints: [[1, -1, 300]],
  array_empty: [[]],
  map_str_long: [{ a: 1, b: -2 }],
  map_int_keys: [{ 1: 'x', 20: 'y' }],
  set_strings: [['a', 'b']],
  struct: [{
    name: 'Ann',
    age: 42,
    tags: ['x', 'y'],
    address: { city: 'Paris', zip: null },
    scores: { m: 1.5 },
    color: 'GREEN',
    birthday: 1700000000123n,
    avatar: new Uint8Array([9, 8]),
  }],
  date: [1700000000123n],
  enum: ['GREEN'],
  bigdecimal_int: [12345],
  bigdecimal_frac: [123.45],
  bigdecimal_unrepresentable: ['1.00000000000000000001'],
  biginteger_big: ['123456789012345678901234567890'],
  exception: [
    'java.lang.IllegalStateException',
    {
      cause: null,
      stackTrace: [
        {
          methodName: 'call',
          fileName: 'Svc.java',
          lineNumber: 42,
          className: 'demo.Svc',
          nativeMethod: false,
        },
      ],
      message: 'boom',
      localizedMessage: 'boom',
      suppressed: [],
    },
  ],
  request_body: [
    '2.0.2', IFACE, '0.0.0', 'sayHello', 'Ljava/lang/String;', 'world',
    { path: IFACE, interface: IFACE, version: '0.0.0' },
  ],
  value_tree: [{
    list: [1, 'two', 3.5, null, true],
    obj: { a: 1, b: 'x' },
    date: 1000,
    ref: null,
    big: 5000000000n,
  }],
};

// Cases only this side can produce (the C++ encoder writes dates as integers): `verify` does not
// require them.
const ENCODE_ONLY = new Set(['date_ext']);

function deepEqual(a, b) {
  if (typeof a !== typeof b) return false;
  if (a === null || b === null) return a === b;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return false;
    if (a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function show(v) {
  return JSON.stringify(v, (_, x) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Uint8Array) return `bin:${Buffer.from(x).toString('hex')}`;
    return x;
  });
}

function parseLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`malformed line (no tab): ${line}`);
    out.push([line.slice(0, tab), line.slice(tab + 1).trim()]);
  }
  return out;
}

function doEncode(file) {
  const lines = Object.entries(CASES).map(([name, values]) => {
    const hex = values.map((v) => Buffer.from(encode(v, OPTIONS)).toString('hex')).join('');
    return `${name}\t${hex}\n`;
  });
  fs.writeFileSync(file, lines.join(''));
  return 0;
}

function doVerify(file) {
  let failures = 0;
  const seen = new Set();
  for (const [name, hex] of parseLines(fs.readFileSync(file, 'utf8'))) {
    seen.add(name);
    const expected = CASES[name];
    if (expected === undefined) {
      console.log(`UNKNOWN ${name}`);
      failures++;
      continue;
    }
    let actual;
    try {
      actual = [...decodeMulti(Buffer.from(hex, 'hex'), OPTIONS)];
    } catch (e) {
      console.log(`FAIL ${name}: decode error: ${e.message}`);
      failures++;
      continue;
    }
    if (!deepEqual(actual, expected)) {
      console.log(`FAIL ${name}: expected ${show(expected)}, got ${show(actual)}`);
      failures++;
    } else {
      console.log(`OK ${name}`);
    }
  }
  for (const name of Object.keys(CASES)) {
    if (!seen.has(name) && !ENCODE_ONLY.has(name)) {
      console.log(`FAIL ${name}: missing`);
      failures++;
    }
  }
  return failures === 0 ? 0 : 1;
}

function main(argv) {
  const [mode, file] = argv;
  if (!file || (mode !== 'encode' && mode !== 'verify')) {
    console.error('usage: node msgpack_peer.js encode|verify <file>');
    return 2;
  }
  return mode === 'encode' ? doEncode(file) : doVerify(file);
}

process.exitCode = main(process.argv.slice(2));
