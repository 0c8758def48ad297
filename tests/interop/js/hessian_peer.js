'use strict';

// Hessian 2 interop peer backed by npm hessian.js.
//
//   node hessian_peer.js encode OUT   write every vector of the table as "name TAB hex" lines
//   node hessian_peer.js verify IN    decode every line of IN and compare it with the table
//
// A vector is one or more top-level values written through one EncoderV2, so the reference,
// class-definition and type tables are shared between them. See ../VECTORS.md.

const fs = require('fs');
const hessian = require('hessian.js');

// ------------------------------------------------------------------ Java type hints

const int = (n) => ({ $class: 'int', $: n });
// n is a number, or a decimal string when it is beyond 2^53.
const long = (n) => ({ $class: 'long', $: n });
const double = (n) => ({ $class: 'double', $: n });
const javaObject = (className, fields) => ({ $class: className, $: fields });
const typedList = (className, items) => ({ $class: className, $: items });
const typedMap = (className, ...keysAndValues) => ({ $class: className, $: mapOf(keysAndValues) });
const hashMap = (...keysAndValues) => typedMap('java.util.HashMap', ...keysAndValues);
const pair = (a, b) => javaObject('demo.Pair', { a: int(a), b });
const box = (name, inner, items) => javaObject('demo.Box', { name, inner, items });
const bigDecimal = (text) => javaObject('java.math.BigDecimal', { value: text });

function mapOf(keysAndValues) {
  const map = new Map();
  for (let i = 0; i < keysAndValues.length; i += 2) {
    map.set(keysAndValues[i], keysAndValues[i + 1]);
  }
  return map;
}

// Without this option hessian.js writes these maps as objects (a 'C' definition and an
// instance) rather than as 'M' typed maps, which is what Java writes.
const ENCODER_OPTIONS = { mapTypes: { 'java.util.TreeMap': true, 'java.util.LinkedHashMap': true } };

// ------------------------------------------------------------------ expectations that are not values

class Mismatch extends Error {
  constructor(path, what) {
    super(path ? `${path}: ${what}` : what);
  }
}

// A Java exception as hessian.js decodes it: { $class, $: Error }. Only the class names,
// messages, cause chain and stack frames survive; hessian.js drops the other fields.
class JavaException {
  constructor(className, message, { cause = null, stack = [] } = {}) {
    Object.assign(this, { className, message, cause, stack });
  }

  check(path, actual) {
    if (!isTagged(actual) || actual.$class !== this.className || !(actual.$ instanceof Error)) {
      throw new Mismatch(path, `expected exception ${this.className}, got ${describe(actual)}`);
    }
    const error = actual.$;
    // hessian.js reports a null detailMessage as the class name.
    const message = this.message === null ? this.className : this.message;
    if (error.name !== this.className || error.message !== message) {
      throw new Mismatch(path, `expected ${this.className}: ${message}, got ${error.name}: ${error.message}`);
    }
    // Java sends an unset cause as a back-reference to the exception itself.
    const cause = error.cause === actual ? null : error.cause;
    if (this.cause === null) {
      if (cause !== null) throw new Mismatch(`${path}.cause`, `expected none, got ${describe(cause)}`);
    } else {
      this.cause.check(`${path}.cause`, cause);
    }
    // hessian.js keeps the frames only as "at class.method (file:line)" lines of error.stack.
    const frames = error.stack.split('\n').slice(1).map((line) => line.trim().replace(/^at /, ''));
    if (frames.join('|') !== this.stack.join('|')) {
      throw new Mismatch(`${path}.stack`, `expected [${this.stack}], got [${frames}]`);
    }
  }
}

// A reflected java.math.BigInteger. Its cache fields vary by JDK, so only signum and mag count.
class JavaBigInteger {
  constructor(decimal) {
    this.value = BigInt(decimal);
  }

  check(path, actual) {
    if (!isTagged(actual) || actual.$class !== 'java.math.BigInteger') {
      throw new Mismatch(path, `expected java.math.BigInteger, got ${describe(actual)}`);
    }
    const { signum, mag } = actual.$;
    const magnitude = mag.$.reduce((acc, word) => (acc << 32n) | BigInt(word.$ >>> 0), 0n);
    const value = BigInt(signum.$) * magnitude;
    if (value !== this.value) {
      throw new Mismatch(path, `expected ${this.value}, got ${value}`);
    }
  }
}

// ------------------------------------------------------------------ the vector table

const TABLE = new Map();

function addEntry(name, written, expected) {
  if (TABLE.has(name)) throw new Error(`duplicate vector ${name}`);
  TABLE.set(name, { name, written, expected });
}

// A vector whose values decode back to themselves.
const add = (name, ...values) => addEntry(name, values, values);
// A vector whose single value legitimately decodes to something else.
const addDecodingAs = (name, written, expected) => addEntry(name, [written], [expected]);
// A vector hessian.js cannot write faithfully; it is only decoded ("verify").
const addDecodeOnly = (name, ...expected) => addEntry(name, null, expected);

// 47 -> "47", -2048 -> "m2048".
const numberName = (n) => (n < 0 ? `m${-n}` : `${n}`);

function addNumbers() {
  for (const n of [0, -16, 47, 48, -17, -2048, 2047, -2049, 2048, -262144, 262143, -262145, 262144]) {
    add(`int_${numberName(n)}`, int(n));
  }
  add('int_max', int(2147483647));
  add('int_min', int(-2147483648));

  for (const n of [0, -8, 15, -9, 16, -2048, 2047, -2049, 2048, -262144, 262143, -262145, 262144]) {
    add(`long_${numberName(n)}`, long(n));
  }
  add('long_int_max', long(2147483647));
  add('long_int_min', long(-2147483648));
  add('long_2p31', long(2147483648));
  add('long_2p40', long(2 ** 40));
  add('long_min', long('-9223372036854775808'));
  add('long_max', long('9223372036854775807'));

  add('double_0', double(0));
  add('double_1', double(1));
  add('double_1_5', double(1.5));
  addDecodingAs('double_neg0', double(-0), double(0)); // the compact 0x5b form has no sign
  for (const n of [2, 127, -128, 128, -129, 32767, -32768, 32768]) {
    add(`double_${numberName(n)}`, double(n));
  }
  add('double_12_25', double(12.25));
  add('double_0_1', double(0.1));
  add('double_0_003', double(0.003));
  add('double_12_345', double(12.345));
  add('double_m99_99', double(-99.99));
  add('double_99_99', double(99.99));
  add('double_1e300', double(1e300));
  add('double_1em300', double(1e-300));
  add('double_max', double(Number.MAX_VALUE));
  add('double_min_value', double(Number.MIN_VALUE));
  add('double_inf', double(Infinity));
  add('double_ninf', double(-Infinity));
  add('double_nan', double(NaN));
  add('double_2p31', double(2147483648));
  add('double_m0_001', double(-0.001));
}

function addScalars() {
  add('null', null);
  add('true', true);
  add('false', false);
  // Character travels as a 1-char string.
  addDecodingAs('char_x', { $class: 'java.lang.Character', $: 'x' }, 'x');
}

// 'a', 'b', ... 'z', 'a', ... of the given length.
function alphabet(length) {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(97 + (i % 26));
  return s;
}

function addStrings() {
  const grinning = '\u{1F600}'; // a surrogate pair
  add('str_empty', '');
  add('str_hello', 'hello');
  add('str_a31', 'a'.repeat(31));
  add('str_a32', 'a'.repeat(32));
  add('str_a1023', 'a'.repeat(1023));
  add('str_a1024', 'a'.repeat(1024));
  add('str_40000', alphabet(40000));
  add('str_32768', alphabet(32768));
  add('str_65536x', 'x'.repeat(65536));
  add('str_pair_boundary', 'a'.repeat(32767) + grinning + 'b');
  add('str_utf8', 'a\u00e9\u4e2d');
  add('str_emoji', grinning);
  add('str_a_emoji_b', `a${grinning}b`);
  add('str_mixed_long', `a\u00e9\u4e2d${grinning}`.repeat(1000));
}

const patternBytes = (length) => Buffer.from(Array.from({ length }, (_, i) => i % 251));

function addBinaries() {
  add('bin_empty', Buffer.alloc(0));
  add('bin_123', Buffer.from([1, 2, 3]));
  for (const n of [15, 16, 1023, 1024, 8189, 8190, 40000]) {
    add(`bin_${n}`, patternBytes(n));
  }
}

function addDates() {
  add('date_ms', new Date(1700000000000));
  add('date_minute', new Date(1699999980000));
  add('date_epoch', new Date(0));
  add('date_neg', new Date(-1));
  add('date_neg_minute', new Date(-60000));
}

function addMaps() {
  add('map_a1', hashMap('a', int(1)));
  add('map_int_key', hashMap(int(1), 'x'));
  add('map_empty', hashMap());
  add('map_multi', hashMap('a', int(1), 'b', int(2), 'c', int(3)));
  add('map_nested', hashMap('list', [int(1), int(2)], 'map', hashMap('k', 'v')));
  add('treemap_a1', typedMap('java.util.TreeMap', 'a', int(1)));
  add('linkedhashmap_a1', typedMap('java.util.LinkedHashMap', 'a', int(1)));
}

function addLists() {
  // A plain JS array is an untyped list, which Java reads as an ArrayList.
  add('list_1x', [int(1), 'x']);
  add('list_empty', []);
  add('list_0to8', [0, 1, 2, 3, 4, 5, 6, 7, 8].map(int));
  add('list_nested', [[int(1), int(2)], [int(3)]]);
  add('list_strings20', Array.from({ length: 20 }, (_, i) => `s${i}`));
  add('linkedlist_1', typedList('java.util.LinkedList', [int(1)]));
  add('hashset_1', typedList('java.util.HashSet', [int(1)]));
  add('int_array', typedList('[int', [int(1), int(2)]));
  add('long_array', typedList('[long', [long(1)]));
  add('string_array', typedList('[string', ['a']));
  add('object_array', typedList('[object', [int(1), 'a']));
  add('integer_array', typedList('[java.lang.Integer', [int(1)]));
  add('int_array_empty', typedList('[int', []));
}

function addObjectsAndRefs() {
  // Reusing one JS object is what makes hessian.js write a back-reference.
  add('pair_1x', pair(1, 'x'));
  add('pair_null_b', pair(5, null));
  add('pairs_reuse', [pair(1, 'x'), pair(2, 'y')]);
  const shared = pair(7, 's');
  add('pair_same_twice', [shared, shared]);
  const sharedMap = hashMap('a', int(1));
  add('map_same_twice', [sharedMap, sharedMap]);
  const self = [];
  self.push(self);
  add('list_self', self);
  add('pair_top_twice', shared, shared);
  add('hello_top_twice', 'hello', 'hello');
  add('box_nested', box('outer', box('inner', null, []), [pair(1, 'x'), long(7)]));
  const first = pair(1, 'x');
  add('two_values_mixed', first, hashMap('p', first));
  // Caucho writes an enum as an object with the single field "name".
  const red = javaObject('demo.Color', { name: 'RED' });
  add('enum_red', red);
  add('enum_list', [red, red, javaObject('demo.Color', { name: 'GREEN' })]);
}

function addJavaShapes() {
  add('bigdecimal_123_45', bigDecimal('123.45'));
  add('bigdecimal_neg', bigDecimal('-0.000123'));
  addDecodeOnly('biginteger_big', new JavaBigInteger('12345678901234567890'));
  addDecodeOnly('biginteger_neg', new JavaBigInteger('-98765432109876543210987654321'));
  addDecodeOnly('biginteger_zero', new JavaBigInteger('0'));
  add('timestamp', javaObject('java.sql.Timestamp', { value: new Date(1700000000000) }));
  add('sqldate', javaObject('java.sql.Date', { value: new Date(1700000000000) }));
  const m = hashMap('a', int(1));
  const d = new Date(1700000000000);
  const array = typedList('[int', [int(1)]);
  add('refs_mixed', [bigDecimal('1.5'), m, m, d, d, 's', 's', array, array]);

  addDecodeOnly('exc_boom', new JavaException('java.lang.RuntimeException', 'boom'));
  addDecodeOnly('exc_cause', new JavaException('java.lang.Exception', 'outer', {
    cause: new JavaException('java.lang.IllegalStateException', 'inner'),
  }));
  addDecodeOnly('exc_null_msg', new JavaException('java.lang.IllegalArgumentException', null));
  addDecodeOnly('exc_stack', new JavaException('java.lang.RuntimeException', 'with stack', {
    stack: ['demo.Svc.call (Svc.java:42)'],
  }));
}

addNumbers();
addScalars();
addStrings();
addBinaries();
addDates();
addMaps();
addLists();
addObjectsAndRefs();
addJavaShapes();

// ------------------------------------------------------------------ decoding

// hessian.js's v1 decoder tags every scalar as { $class, $ } when withType is set, and its
// JavaExceptionError relies on that, but the v2 decoder returns bare scalars (except booleans,
// whose reader it inherits from v1). Restoring the v1 convention keeps int/long/double
// distinguishable and keeps exception messages.
const SCALAR_KIND = {
  readInt: 'int',
  readLong: 'long',
  readDouble: 'double',
  readDate: 'date',
  readString: 'string',
};

class TypedDecoder extends hessian.DecoderV2 {
  read(withType) {
    const method = this.BYTE_CODES[this.byteBuffer.get(this.byteBuffer.position())];
    const value = super.read(withType);
    const kind = SCALAR_KIND[method];
    return withType && kind ? this.handleType(kind, value, true) : value;
  }
}

function decodeAll(bytes) {
  const decoder = new TypedDecoder(bytes);
  const values = [];
  while (decoder.position() < bytes.length) {
    values.push(decoder.read(true));
  }
  return values;
}

// ------------------------------------------------------------------ deep comparison

// The $class names the decoder gives to scalars (see SCALAR_KIND).
const SCALAR_CLASSES = new Set(['boolean', 'int', 'long', 'double', 'java.util.Date', 'java.lang.String']);

function isTagged(value) {
  return value !== null && typeof value === 'object' && typeof value.$class === 'string' && '$' in value;
}

// JSON.stringify would print -0 as 0 and NaN or the infinities as null.
function numberReplacer(key, v) {
  if (typeof v !== 'number') return v;
  if (Object.is(v, -0)) return '-0';
  return Number.isFinite(v) ? v : String(v);
}

function describe(value) {
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  let text;
  try {
    text = JSON.stringify(value, numberReplacer);
  } catch (e) {
    text = String(value); // cyclic
  }
  return text === undefined || text.length <= 60 ? String(text) : `${text.slice(0, 60)}...`;
}

function sameScalar(className, expected, actual) {
  switch (className) {
    case 'long':
      return BigInt(expected) === BigInt(actual); // beyond 2^53 hessian.js gives a string
    case 'double':
      return Object.is(expected, actual); // NaN matches NaN, -0 does not match 0
    case 'java.util.Date':
      return actual instanceof Date && expected.getTime() === actual.getTime();
    default:
      return expected === actual;
  }
}

// Compares an expected value graph with a decoded one. Lists, maps and objects are paired up
// on first sight, so a repeated object must decode to the same instance (and a distinct one
// to a distinct instance); this also stops cycles.
class Comparer {
  constructor() {
    this.expectedToActual = new Map();
    this.actualToExpected = new Map();
  }

  compare(path, expected, actual) {
    if (expected instanceof JavaException || expected instanceof JavaBigInteger) {
      expected.check(path, actual);
    } else if (expected === null) {
      if (actual !== null) throw new Mismatch(path, `expected null, got ${describe(actual)}`);
    } else if (typeof expected === 'string') {
      this.compareScalar(path, 'java.lang.String', expected, actual);
    } else if (typeof expected === 'boolean') {
      this.compareScalar(path, 'boolean', expected, actual);
    } else if (expected instanceof Date) {
      this.compareScalar(path, 'java.util.Date', expected, actual);
    } else if (Buffer.isBuffer(expected)) {
      if (!Buffer.isBuffer(actual) || !expected.equals(actual)) {
        throw new Mismatch(path, `expected ${describe(expected)}, got ${describe(actual)}`);
      }
    } else if (isTagged(expected) && SCALAR_CLASSES.has(expected.$class)) {
      this.compareScalar(path, expected.$class, expected.$, actual);
    } else if (this.firstVisit(path, expected, actual)) {
      this.compareContainer(path, expected, actual);
    }
  }

  compareScalar(path, className, expected, actual) {
    if (!isTagged(actual) || actual.$class !== className || !sameScalar(className, expected, actual.$)) {
      throw new Mismatch(path, `expected ${className} ${describe(expected)}, got ${describe(actual)}`);
    }
  }

  // hessian.js records a HashMap in its ref table as the bare map but returns it wrapped in
  // { $class, $ }, so a back-reference to a HashMap yields the inner object.
  static identity(actual) {
    return isTagged(actual) && actual.$class === 'java.util.HashMap' ? actual.$ : actual;
  }

  firstVisit(path, expected, actual) {
    const id = Comparer.identity(actual);
    if (this.expectedToActual.has(expected)) {
      if (this.expectedToActual.get(expected) !== id) {
        throw new Mismatch(path, `expected the same instance as earlier (a back-reference), got ${describe(actual)}`);
      }
      return false;
    }
    if (typeof id === 'object' && id !== null && this.actualToExpected.has(id)) {
      throw new Mismatch(path, 'decoded a shared object where a distinct one was expected');
    }
    this.expectedToActual.set(expected, id);
    this.actualToExpected.set(id, expected);
    return true;
  }

  compareContainer(path, expected, actual) {
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) throw new Mismatch(path, `expected an untyped list, got ${describe(actual)}`);
      this.compareItems(path, expected, actual);
      return;
    }
    if (!isTagged(actual) || actual.$class !== expected.$class) {
      throw new Mismatch(path, `expected ${expected.$class}, got ${describe(actual)}`);
    }
    if (Array.isArray(expected.$)) {
      this.compareItems(path, expected.$, actual.$);
    } else if (expected.$ instanceof Map) {
      this.compareMaps(path, expected, actual.$);
    } else {
      this.compareFields(path, expected.$, actual.$);
    }
  }

  compareItems(path, expected, actual) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      throw new Mismatch(path, `expected ${expected.length} items, got ${describe(actual)}`);
    }
    expected.forEach((item, i) => this.compare(`${path}[${i}]`, item, actual[i]));
  }

  // Decoded maps are plain objects keyed by String(key); the real keys are in the hidden $map.
  compareMaps(path, expected, actualObject) {
    if (!actualObject || !(actualObject.$map instanceof Map)) {
      throw new Mismatch(path, `expected a map, got ${describe(actualObject)}`);
    }
    const expectedEntries = [...expected.$];
    const actualEntries = [...actualObject.$map];
    if (expectedEntries.length !== actualEntries.length) {
      throw new Mismatch(path, `expected ${expectedEntries.length} entries, got ${actualEntries.length}`);
    }
    const unordered = expected.$class === 'java.util.HashMap';
    expectedEntries.forEach(([key, value], i) => {
      const entry = unordered ? actualEntries.find(([k]) => keysMatch(key, k)) : actualEntries[i];
      if (!entry || !keysMatch(key, entry[0])) {
        throw new Mismatch(path, `missing key ${describe(key)}`);
      }
      this.compare(`${path}{${describe(key)}}`, value, entry[1]);
    });
  }

  compareFields(path, expected, actual) {
    const expectedNames = Object.keys(expected).sort();
    const actualNames = Object.keys(actual).sort();
    if (expectedNames.join() !== actualNames.join()) {
      throw new Mismatch(path, `expected fields [${expectedNames}], got [${actualNames}]`);
    }
    for (const name of expectedNames) {
      this.compare(`${path}.${name}`, expected[name], actual[name]);
    }
  }
}

// Map keys in the table are scalars, so a throwaway comparer is enough.
function keysMatch(expected, actual) {
  try {
    new Comparer().compare('', expected, actual);
    return true;
  } catch (e) {
    if (e instanceof Mismatch) return false;
    throw e;
  }
}

// ------------------------------------------------------------------ encode / verify

function encode(values) {
  const encoder = new hessian.EncoderV2(ENCODER_OPTIONS);
  for (const value of values) encoder.write(value);
  return encoder.get();
}

function encodeAll(file) {
  const lines = [];
  for (const { name, written } of TABLE.values()) {
    if (written !== null) lines.push(`${name}\t${encode(written).toString('hex')}\n`);
  }
  fs.writeFileSync(file, lines.join(''));
}

// Returns null when the hex decodes to the vector's expected values, else the reason.
function check(vector, hex) {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return 'malformed hex';
  let actual;
  try {
    actual = decodeAll(Buffer.from(hex, 'hex'));
  } catch (e) {
    return `decoding threw ${e}`;
  }
  if (actual.length !== vector.expected.length) {
    return `expected ${vector.expected.length} top-level values, decoded ${actual.length}`;
  }
  // One comparer for all values: refs are shared across top-level values.
  const comparer = new Comparer();
  try {
    vector.expected.forEach((value, i) => comparer.compare(`value ${i}`, value, actual[i]));
  } catch (e) {
    if (e instanceof Mismatch) return e.message;
    return `comparison threw ${e}`;
  }
  return null;
}

function verifyAll(file) {
  let allOk = true;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const name = tab < 0 ? line : line.slice(0, tab);
    const vector = TABLE.get(name);
    let verdict;
    if (tab < 0) {
      verdict = `FAIL ${name}: malformed line (no tab)`;
    } else if (!vector) {
      verdict = `UNKNOWN ${name}`;
    } else {
      const problem = check(vector, line.slice(tab + 1).trim());
      verdict = problem === null ? `OK ${name}` : `FAIL ${name}: ${problem}`;
    }
    console.log(verdict);
    allOk = allOk && verdict.startsWith('OK ');
  }
  return allOk;
}

function main([mode, file]) {
  if (!file || (mode !== 'encode' && mode !== 'verify')) {
    console.error('usage: node hessian_peer.js encode|verify FILE');
    return 2;
  }
  if (mode === 'encode') {
    encodeAll(file);
    return 0;
  }
  return verifyAll(file) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
