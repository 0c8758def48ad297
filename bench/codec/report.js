'use strict';

// Prints the codec benchmark table (markdown) from
//   node report.js CODEC_BENCH_JSON HESSIANJS_TXT
// CODEC_BENCH_JSON is codec_bench's --benchmark_format=json output with --benchmark_repetitions
// (the "median" aggregates are used); HESSIANJS_TXT is hessianjs_bench.js's output. The machine
// lines come from the environment: BENCH_NPROC, BENCH_CPU, BENCH_CXX, BENCH_NODE, BENCH_COMMAND.
// BENCH_CODEC_CLOCK=cpu (default) reports CPU time per operation, =real wall-clock time.

const fs = require('fs');

const clock = process.env.BENCH_CODEC_CLOCK || 'cpu';
if (clock !== 'cpu' && clock !== 'real') throw new Error(`BENCH_CODEC_CLOCK must be cpu or real`);

const [jsonPath, jsPath] = process.argv.slice(2);
if (!jsonPath || !jsPath) {
  console.error('usage: node report.js CODEC_BENCH_JSON HESSIANJS_TXT');
  process.exit(2);
}

// rows[shape][codec] = { encode, decode, encode_decode, bytes }
const rows = {};
const put = (shape, codec, op, ns, bytes) => {
  const r = ((rows[shape] ??= {})[codec] ??= {});
  r[op] = ns;
  r.bytes = bytes;
};

const bench = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
for (const b of bench.benchmarks) {
  const repeated = b.run_type === 'aggregate';
  if (repeated && b.aggregate_name !== 'median') continue;
  if (b.error_occurred) throw new Error(`${b.name}: ${b.error_message}`);
  const [shape, codec, op] = b.run_name.split('/');
  if (b.time_unit !== 'ns') throw new Error(`${b.name}: unexpected time unit ${b.time_unit}`);
  put(shape, codec, op, clock === 'cpu' ? b.cpu_time : b.real_time, b.bytes);
}
for (const line of fs.readFileSync(jsPath, 'utf8').split('\n')) {
  if (!line.startsWith('shape=')) continue;
  const kv = Object.fromEntries(line.split(' ').map((f) => f.split('=')));
  for (const op of ['encode', 'decode', 'encode_decode']) {
    put(kv.shape, 'hessian.js', op, Number(kv[clock === 'cpu' ? `${op}_cpu_ns` : `${op}_ns`]),
        Number(kv.bytes));
  }
}

const LABELS = {
  hessian2: 'hessian2 typed (dubbo-cpp)',
  msgpack: 'msgpack (dubbo-cpp)',
  'msgpack-cxx': 'msgpack-cxx native',
  'hessian.js': 'hessian.js 2.11.0',
};
const ns = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const ratio = (x) => `${x.toFixed(2)}×`;

const env = process.env;
const out = [];
const reps = bench.benchmarks.find((b) => b.repetitions)?.repetitions ?? 1;
out.push(`- Machine: nproc ${env.BENCH_NPROC ?? '?'}, ${env.BENCH_CPU ?? '?'}; ` +
         `${env.BENCH_CXX ?? '?'} -O2; Node ${env.BENCH_NODE ?? process.version}; ` +
         `load average at start ${bench.context.load_avg?.map((x) => x.toFixed(2)).join(' ') ?? '?'}.`);
out.push(clock === 'cpu'
  ? `- Times: CPU time per operation in ns (Google Benchmark's CPU column; hessian.js: the ` +
    `process's CPU time), median of ${reps} repetitions.`
  : `- Times: wall-clock time per operation in ns (Google Benchmark's Time column; hessian.js: ` +
    `hrtime), median of ${reps} repetitions.`);
if (bench.context.library_build_type !== 'release') {
  out.push(`- Google Benchmark library: ${bench.context.library_build_type} build (Debian's package; ` +
           'its own code only: the timed loop is inlined from its header into codec_bench).');
}
if (env.BENCH_COMMAND) out.push(`- Command: \`${env.BENCH_COMMAND}\``);
out.push('');
out.push('| shape | codec | encode ns | decode ns | encode+decode ns | bytes | enc+dec ÷ msgpack-cxx | hessian.js enc+dec ÷ this |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|');
const verdicts = [];
for (const shape of ['User', 'Page']) {
  const s = rows[shape];
  if (!s) continue;
  const base = s['msgpack-cxx']?.encode_decode;
  const js = s['hessian.js']?.encode_decode;
  for (const codec of Object.keys(LABELS)) {
    const r = s[codec];
    if (!r) continue;
    out.push(`| ${shape} | ${LABELS[codec]} | ${ns(r.encode)} | ${ns(r.decode)} | ` +
             `${ns(r.encode_decode)} | ${r.bytes} | ${base ? ratio(r.encode_decode / base) : '—'} | ` +
             `${js ? ratio(js / r.encode_decode) : '—'} |`);
  }
  const h2 = s.hessian2?.encode_decode;
  if (h2 && base) {
    const x = h2 / base;
    verdicts.push(`${shape}: hessian2 enc+dec is ${ratio(x)} msgpack-cxx (target ≤ 1.5×: ${x <= 1.5 ? 'met' : 'MISSED'})`);
  }
  if (h2 && js) {
    const x = js / h2;
    verdicts.push(`${shape}: hessian2 enc+dec is ${x.toFixed(1)}× faster than hessian.js (target ≥ 20×: ${x >= 20 ? 'met' : 'MISSED'})`);
  }
}
out.push('');
for (const v of verdicts) out.push(`- ${v}`);
console.log(out.join('\n'));
