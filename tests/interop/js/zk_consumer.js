'use strict';

// Discovers a Dubbo 2 provider through ZooKeeper with one of two npm consumers written for Java
// providers, and calls it: the provider (a dubbo-cpp Application under test) registered itself in
// ZooKeeper; this script is given the ZooKeeper address only.
//   - rc6: apache-dubbo-js 3.0.0-rc6, class Dubbo with `register: 'host:port'` (its ZooKeeper
//     registry, root /dubbo): reads /dubbo/<interface>/providers, decodes each child with
//     decodeURIComponent, keeps those starting with dubbo://, parses them with querystring;
//   - nzd: node-zookeeper-dubbo 3.0.15 (`registry: 'host:port'`, root "dubbo"): reads the same
//     children, url.parse(decodeURIComponent(child)), keeps dubbo: URLs whose `version` and
//     `group` equal the dependency's by ===, and builds its proxy from the `methods` parameter.
// Both register an ephemeral consumer:// node under /dubbo/<interface>/consumers.
//
//   node zk_consumer.js ZKHOST:PORT rc6|nzd [VERSION GROUP]
//
// One client and one (version, group) per process: apache-dubbo-js keeps its settings in
// module-wide state, so two instances in one process call each other's group.
// Prints {"client","call":"sayHello","ok",value|error} for the first call, then {"phase":"waiting"}.
// On SIGUSR2 (the test stopped the provider, whose node went, and started another one on
// another port) it calls until a call succeeds, so only following the ZooKeeper watch can make
// one succeed, and prints the first answer with "call":"sayHello after the provider changed".
// Exits 0 when done; 2 when something hangs or the script itself breaks.

const util = require('util');

// node-zookeeper-dubbo prints its progress with console.log; stdout carries the results only.
console.log = (...args) => process.stderr.write(util.format(...args) + '\n');

const { Dubbo, java } = require('apache-dubbo-js');
const { Setting } = require('apache-dubbo-js/es7/setting');
const Yoke = require('node-zookeeper-dubbo');

const INTERFACE = 'org.apache.dubbo.demo.ZkInteropService';
const SIGNATURES = { sayHello: (name) => [java.String(name)] };
const PHASE_SECONDS = 30;

setTimeout(() => {
  process.stderr.write('zk_consumer: gave up after 90 s\n');
  process.exit(2);
}, 90000).unref();

function print(client, call, outcome) {
  process.stdout.write(JSON.stringify(Object.assign({ client, call }, outcome)) + '\n');
}

function errorOutcome(err) {
  if (err instanceof Error) return { ok: false, error: { name: err.name, message: err.message } };
  return { ok: false, error: { name: typeof err, message: String(err) } };
}

// node-zookeeper-dubbo has no call timeout at all; apache-dubbo-js's is in whole seconds.
function within(ms, promise) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within ' + ms + ' ms')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Calls `attempt` until it resolves (each attempt bounded), for at most PHASE_SECONDS.
async function untilSuccess(attempt) {
  const deadline = Date.now() + PHASE_SECONDS * 1000;
  let last = null;
  while (Date.now() < deadline) {
    try {
      return { ok: true, value: await within(2000, attempt()) };
    } catch (err) {
      last = err;
      await sleep(50);
    }
  }
  return errorOutcome(last);
}

// ------------------------------------------------------------------ apache-dubbo-js

// Its Setting maps an interface to one version and group. Proxy calls resolve to {res, err};
// they never reject.
function rc6(version, group) {
  const dubboSetting = new Setting().match([INTERFACE], { version, group });
  const dubbo = Dubbo.from({
    application: { name: group ? 'js-rc6-' + group : 'js-rc6' },
    register: process.argv[2],
    dubboInvokeTimeout: 5,  // seconds
    dubboSetting,
    service: { demo: (d) => d.proxyService({ dubboInterface: INTERFACE, methods: SIGNATURES }) },
  });
  return async (arg) => {
    const { res, err } = await dubbo.service.demo.sayHello(arg);
    if (err) throw err;
    return res;
  };
}

// ------------------------------------------------------------------ node-zookeeper-dubbo

function nzd(version, group) {
  const dependency = { interface: INTERFACE, timeout: 5000, methodSignature: SIGNATURES };
  if (version) dependency.version = version;
  if (group) dependency.group = group;
  const yoke = new Yoke({
    application: { name: group ? 'js-nzd-' + group : 'js-nzd' },
    registry: process.argv[2],
    root: 'dubbo',
    dependencies: { Svc: dependency },
  });
  // The proxy exists once the providers were read (yoke.Svc); a watch event replaces it.
  // Its pool opens three sockets per provider, and a call made before one of them finished
  // connecting drops that socket for good (Dispatcher.gain purges any socket whose isConnect is
  // still false): call too early and the proxy says "no available connection" until the next
  // watch event. So wait until no socket is still connecting; a socket that failed (error set)
  // does not hold the call back, so calls to a stopped provider still fail as they should.
  return async (arg) => {
    if (!yoke.Svc) throw new Error('no provider discovered yet');
    const sockets = yoke.Svc.dispatcher.queue.concat(yoke.Svc.dispatcher.busyQueue);
    if (sockets.some((s) => !s.isConnect && !s.error)) throw new Error('still connecting');
    return yoke.Svc.sayHello(arg);
  };
}

async function main() {
  const [address, kind, version = '', group = ''] = process.argv.slice(2);
  if (!/^[^:]+:\d+$/.test(address || '') || !['rc6', 'nzd'].includes(kind)) {
    process.stderr.write('usage: node zk_consumer.js ZKHOST:PORT rc6|nzd [VERSION GROUP]\n');
    process.exit(2);
  }
  let replaced;
  const providerReplaced = new Promise((resolve) => { replaced = resolve; });
  process.on('SIGUSR2', () => replaced());
  const client = kind === 'rc6' ? 'apache-dubbo-js' : 'node-zookeeper-dubbo';
  const call = kind === 'rc6' ? rc6(version, group) : nzd(version, group);
  // Discovery: retried until its ZooKeeper read and connection are done.
  print(client, 'sayHello', await untilSuccess(() => call('world')));
  process.stdout.write(JSON.stringify({ phase: 'waiting' }) + '\n');
  await providerReplaced;
  print(client, 'sayHello after the provider changed', await untilSuccess(() => call('again')));
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write('zk_consumer: ' + (err && err.stack || err) + '\n');
  process.exit(2);
});
