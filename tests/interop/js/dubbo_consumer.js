'use strict';

// Calls a Dubbo 2 provider (the C++ rpc::Server under test) through two npm consumers that were
// written against Java providers, over a direct connection (no ZooKeeper):
//   - apache-dubbo-js 3.0.0-rc6, class DirectlyDubbo, sending dubbo version "2.0.2" (so the
//     provider may answer with result flags 3/4/5) and a typed 'M' java.util.HashMap of
//     attachments with `timeout` as a number of seconds; a second connection sends "2.0.0" (the
//     version its README uses), which must be answered with flags 0/1/2;
//   - node-zookeeper-dubbo 3.0.15, an old-version client: dubbo version "2.5.3.6" (it only
//     understands flags 0/1/2), request id always 0, one request per socket at a time; with a
//     version starting "2.8" it writes Dubbox's extra int -1 before the descriptor. Its
//     discovery needs ZooKeeper, so its Service class is given the provider URL directly, as
//     its ZooKeeper watcher would after reading /dubbo/<interface>/providers.
//
//   node dubbo_consumer.js HOST:PORT
//
// Prints one JSON line per call: {"client","call","ok",value|error}. Exits 0 once every call
// finished (successfully or not); 2 when something hangs or the script itself breaks.

const url = require('url');
const { DirectlyDubbo, java } = require('apache-dubbo-js');
const HeartBeat = require('apache-dubbo-js/es7/heartbeat').default;
const Context = require('apache-dubbo-js/es7/context').default;
const { Service } = require('node-zookeeper-dubbo/libs/service');

const INTERFACE = 'org.apache.dubbo.demo.InteropService';
const METHODS = ['sayHello', 'echoUser', 'nothing', 'fail'];
const BURST_RC6 = 200;
const BURST_NZD = 30;
const FAIL_MESSAGE = 'the user is locked: ünïcödé ✓';

// Neither client bounds every wait (node-zookeeper-dubbo has no timeout at all).
setTimeout(() => {
  process.stderr.write('dubbo_consumer: gave up after 60 s\n');
  process.exit(2);
}, 60000).unref();

// ------------------------------------------------------------------ values

// demo.User and demo.Pet as Java declares them; js-to-java types every field.
const USER = {
  id: 7,
  name: 'Ada',
  createdAt: 1700000000123,  // beyond 32 bits, still exact in a JS number
  tags: ['admin', 'ops'],
  pets: [{ name: 'Rex', age: 3 }, { name: 'Tom', age: 11 }],
};

function typedUser(u) {
  return java('demo.User', {
    id: java.int(u.id),
    name: java.String(u.name),
    createdAt: java.long(u.createdAt),
    tags: u.tags,
    pets: u.pets.map((p) => java('demo.Pet', { name: java.String(p.name), age: java.int(p.age) })),
  });
}

// Argument builders shared by both clients: each returns the typed argument list.
const SIGNATURES = {
  sayHello: (name) => [java.String(name)],
  echoUser: (user) => [typedUser(user)],
  nothing: () => [],
  fail: (message) => [java.String(message)],
};

// ------------------------------------------------------------------ output

function print(client, call, outcome) {
  process.stdout.write(JSON.stringify(Object.assign({ client, call }, outcome)) + '\n');
}

// A thrown Java exception arrives as hessian.js's JavaExceptionError: name = Java class,
// message = detailMessage.
function errorOutcome(err) {
  if (err instanceof Error) return { ok: false, error: { name: err.name, message: err.message } };
  return { ok: false, error: { name: typeof err, message: String(err) } };
}

// ------------------------------------------------------------------ apache-dubbo-js

// Starts a call whose context carries the caller's own attachments: what a Dubbo middleware sets
// on ctx.attachments (encode.js merges them into the request's attachment map). DirectlyDubbo
// has no middleware, so the context it creates for this call is given them as it is created.
function withAttachments(attachments, start) {
  const create = Context.create;
  Context.create = (...args) => {
    const ctx = create.apply(Context, args);
    ctx.attachments = attachments;
    return ctx;
  };
  try {
    return start();
  } finally {
    Context.create = create;
  }
}

async function runApacheDubboJs(address) {
  const client = 'apache-dubbo-js';
  const dubbo = DirectlyDubbo.from({
    dubboAddress: address,
    dubboVersion: '2.0.2',
    dubboInvokeTimeout: 10,  // seconds
  });
  const service = (extra) =>
    dubbo.proxyService(Object.assign({ dubboInterface: INTERFACE, methods: SIGNATURES }, extra));
  const plain = service({});
  const grouped = service({ version: '1.0.0', group: 'g1', timeout: 10 });
  const missing = service({ version: '9.9.9' });

  // Proxy methods resolve to {res, err} (apache-dubbo-js's `go` wrapper); they never reject.
  const call = async (name, promise) => {
    const { res, err } = await promise;
    print(client, name, err ? errorOutcome(err) : { ok: true, value: res });
  };
  await call('sayHello', plain.sayHello('world'));
  await call('echoUser', withAttachments({ 'trace-id': 'js-trace-1' }, () => plain.echoUser(USER)));
  await call('nothing', plain.nothing());
  await call('fail', plain.fail(FAIL_MESSAGE));
  await call('sayHello@g1:1.0.0', grouped.sayHello('world'));
  const { err } = await missing.sayHello('world');
  const notFound = err && String(err.message).includes('Not found exported service');
  print(client, 'sayHello@9.9.9', err ? { ok: false, notFound } : { ok: true });
  print(client, 'heartbeat', await heartbeat(dubbo));
  await call('sayHello', plain.sayHello('world'));  // the stream is still in step

  const old = DirectlyDubbo.from({
    dubboAddress: address,
    dubboVersion: '2.0.0',
    dubboInvokeTimeout: 10,
  });
  const oldPlain = old.proxyService({ dubboInterface: INTERFACE, methods: SIGNATURES });
  await call('sayHello[2.0.0]', oldPlain.sayHello('world'));
  await call('fail[2.0.0]', oldPlain.fail(FAIL_MESSAGE));

  // Pipelined on the one socket: the responses come back in whatever order the server sends.
  const results = await Promise.all(
    Array.from({ length: BURST_RC6 }, (_, i) => plain.sayHello('n' + i)));
  const correct = results.filter(({ res }, i) => res === 'Hello n' + i).length;
  print(client, 'burst', { ok: true, value: correct });
}

// Sends apache-dubbo-js's own heartbeat request (flag 0xE2, id 0, null body; it sends one after
// 180 s of silence) on the connection's socket and waits for the exact Java answer: flag 0x22,
// status 20, id 0, body 'N'. The client itself drops every event frame unread.
function heartbeat(dubbo) {
  const socket = dubbo._socketWorker._socket;  // internal, but the only way to reach the wire
  const answer = Buffer.from([0xda, 0xbb, 0x22, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x4e]);
  return new Promise((resolve) => {
    let seen = Buffer.alloc(0);
    const timer = setTimeout(() => finish({ ok: false, error: 'no heartbeat answer' }), 5000);
    const onData = (data) => {
      seen = Buffer.concat([seen, data]);
      if (seen.indexOf(answer) >= 0) finish({ ok: true, value: 'answered' });
    };
    function finish(outcome) {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      resolve(outcome);
    }
    socket.on('data', onData);
    socket.write(HeartBeat.encode());
  });
}

// ------------------------------------------------------------------ node-zookeeper-dubbo

// The URL a Java provider registers; node-zookeeper-dubbo needs `methods` to build its proxy.
function providerUrl(address, query) {
  return url.parse('dubbo://' + address + '/' + INTERFACE + '?' + query);
}

// Its dispatcher drops sockets that are not connected yet, so wait for all three.
function connected(service) {
  return Promise.all(service.dispatcher.queue.map((conn) => new Promise((resolve, reject) => {
    if (conn.isConnect) return resolve();
    conn.socket.once('connect', resolve);
    conn.socket.once('error', reject);
  })));
}

async function runNodeZookeeperDubbo(address) {
  const client = 'node-zookeeper-dubbo';
  const methods = 'methods=' + METHODS.join(',');
  // No version: the body's version is Hessian null; no timeout: the attachment value is null.
  const plain = new Service({ interface: INTERFACE, methodSignature: SIGNATURES },
    [providerUrl(address, 'anyhost=true&' + methods)]);
  const groupedDependency = {
    interface: INTERFACE,
    version: '1.0.0',
    group: 'g1',
    timeout: 6000,
    methodSignature: SIGNATURES,
  };
  const grouped = new Service(groupedDependency,
    [providerUrl(address, 'anyhost=true&group=g1&' + methods + '&version=1.0.0')]);
  const dubbox = new Service({ interface: INTERFACE, methodSignature: SIGNATURES },
    [providerUrl(address, 'anyhost=true&' + methods)], '2.8.4');
  await connected(plain);
  await connected(grouped);
  await connected(dubbox);

  const call = async (name, promise) => {
    try {
      print(client, name, { ok: true, value: await promise });
    } catch (err) {
      print(client, name, errorOutcome(err));
    }
  };
  await call('sayHello', plain.sayHello('world'));
  await call('echoUser', plain.echoUser(USER));
  await call('nothing', plain.nothing());
  await call('fail', plain.fail(FAIL_MESSAGE));
  await call('sayHello@g1:1.0.0', grouped.sayHello('world'));
  await call('sayHello[dubbox 2.8.4]', dubbox.sayHello('world'));

  // Three sockets, one request each at a time: the rest queue inside the client.
  const results = await Promise.all(
    Array.from({ length: BURST_NZD }, (_, i) => plain.sayHello('n' + i).catch(() => null)));
  const correct = results.filter((res, i) => res === 'Hello n' + i).length;
  print(client, 'burst', { ok: true, value: correct });
}

async function main() {
  const address = process.argv[2];
  if (!/^[^:]+:\d+$/.test(address || '')) {
    process.stderr.write('usage: node dubbo_consumer.js HOST:PORT\n');
    process.exit(2);
  }
  await runApacheDubboJs(address);
  await runNodeZookeeperDubbo(address);
  // Both clients keep sockets and heartbeat timers open; the run is over.
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write('dubbo_consumer: ' + (err && err.stack || err) + '\n');
  process.exit(2);
});
