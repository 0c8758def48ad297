'use strict';

// hessian.js 2.11.0 on the data of codec_bench.cc (bench_data.h): dubbo-benchmark's User and
// Page<User>, as {$class, $} typed objects so the bytes are the ones Java would accept.
//
//   node hessianjs_bench.js [--seconds S] [--runs N]   time encode, decode, encode+decode
//   node hessianjs_bench.js --hex                       print each shape's bytes as hex
//
// Output, one line per shape (the median of N runs of about S seconds each, after a warm-up):
//   shape=User encode_ns=... encode_cpu_ns=... decode_ns=... decode_cpu_ns=... ... bytes=...
// *_ns is wall-clock time per call, *_cpu_ns the process's CPU time (user + system, all threads,
// so V8's garbage-collector threads count) per call.
//
// One EncoderV2 is reused (reset per message), as hessian.encode() does; decoding goes through
// hessian.decode(), a new DecoderV2 per message, into plain JS objects.

const path = require('path');
const hessian = require(path.join(__dirname, '../../tests/interop/js/node_modules/hessian.js'));

const PKG = 'com.alibaba.com.caucho.hessian.io.java8.';
const obj = (cls, fields) => ({ $class: cls, $: fields });
const localDate = (year, month, day) => obj(PKG + 'LocalDateHandle', { year, month, day });
const localTime = (hour, minute, second, nano) =>
  obj(PKG + 'LocalTimeHandle', { hour, minute, second, nano });
const localDateTime = (date, time) => obj(PKG + 'LocalDateTimeHandle', { date, time });

// bench_data.h: SampleNow(), MakeUser(), MakePage().
function makeUser(id, suffix) {
  const now = () => localDateTime(localDate(2024, 5, 17), localTime(10, 15, 30, 123456000));
  return obj('org.apache.dubbo.benchmark.bean.User', {
    id: { $class: 'long', $: id },
    name: 'Doug Lea' + suffix,
    sex: 1,
    birthday: localDate(1968, 12, 8),
    email: 'dong.lea@gmail.com' + suffix,
    mobile: '18612345678' + suffix,
    address: '北京市 中关村 中关村大街1号 鼎好大厦 1605' + suffix,
    icon: 'https://www.baidu.com/img/bd_logo1.png' + suffix,
    permissions: [1, 2, 3, 4, 5, 6, 7, 8, 19, 88, 86, 89, 90, 91, 92],
    status: 1,
    createTime: now(),
    updateTime: now(),
  });
}

function makePage(pageNo) {
  const result = [];
  for (let i = 0; i < 15; i++) result.push(makeUser(i, String(i)));
  return obj('org.apache.dubbo.benchmark.bean.Page', { pageNo, total: 1000, result });
}

const shapes = [
  ['User', makeUser(123456, '')],
  ['Page', makePage(4321)],
];

const encoder = new hessian.EncoderV2({ size: 64 * 1024 });
const encode = (v) => encoder.reset().write(v).get();
const decode = (buf) => hessian.decode(buf, '2.0');

// Keeps results alive so the work cannot be optimised away.
let sink = 0;

// { wall, cpu }: ns per call of fn over about `seconds`, after calibrating the batch size.
function measure(fn, seconds) {
  let batch = 1;
  for (;;) {  // grow the batch until one takes >= 10 ms (also the warm-up)
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const dt = Number(process.hrtime.bigint() - t0);
    if (dt >= 10e6) break;
    batch *= 2;
  }
  const deadline = seconds * 1e9;
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < deadline) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = Number(process.hrtime.bigint() - t0);
  }
  const c = process.cpuUsage(c0);
  return { wall: elapsed / calls, cpu: ((c.user + c.system) * 1000) / calls };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  if (args.includes('--hex')) {
    for (const [name, value] of shapes) console.log(`${name} ${encode(value).toString('hex')}`);
    return;
  }
  const seconds = opt('--seconds', 1);
  const runs = opt('--runs', 3);
  for (const [name, value] of shapes) {
    const bytes = encode(value);
    // The decoded value must match what was encoded (spot checks; the C++ side checks fully).
    const back = decode(bytes);
    if (back.result ? back.result.length !== 15 || back.result[14].name !== 'Doug Lea14'
                    : back.name !== 'Doug Lea' || back.createTime.time.nano !== 123456000) {
      throw new Error(`${name}: hessian.js does not round-trip`);
    }
    const ops = {
      encode: () => { sink += encode(value).length; },
      decode: () => { sink += decode(bytes).total | 0; },
      encode_decode: () => { sink += decode(encode(value)).total | 0; },
    };
    const out = [`shape=${name}`];
    for (const [op, fn] of Object.entries(ops)) {
      const m = [];
      for (let r = 0; r < runs; r++) m.push(measure(fn, seconds));
      out.push(`${op}_ns=${median(m.map((x) => x.wall)).toFixed(0)}`);
      out.push(`${op}_cpu_ns=${median(m.map((x) => x.cpu)).toFixed(0)}`);
    }
    out.push(`bytes=${bytes.length}`);
    console.log(out.join(' '));
  }
  if (sink === 0.5) console.log('');  // never true; uses sink
}

main();
