'use strict';

// Runs the hessian.js provider (dubbo_provider.js) and registers it in ZooKeeper as a Java
// Dubbo 2.7 provider would, written by this process with node-zookeeper-client: the consumer under
// test (dubbo-cpp) parses nodes it did not write.
//
//   node zk_provider.js ZKHOST:PORT    prints "registered <port>" once both nodes exist
//
// Nodes: /dubbo/org.apache.dubbo.demo.InteropService/providers/<URLEncoder(url)>, EPHEMERAL (they
// go with this process's session), one unversioned and one for version 1.0.0 in group g1. The URL
// is URL.toFullString()'s: parameters sorted by key, values not encoded individually; the whole
// string is encoded once as java.net.URLEncoder does (A-Za-z0-9 . - * _ kept, space as '+', every
// other byte %XX in uppercase). The `owner` value holds a space, so the name holds a '+'.
// Missing parents are created persistent. Exits (and stops the provider) on SIGTERM, SIGINT or
// when stdin closes.

const path = require('path');
const { spawn } = require('child_process');
const zookeeper = require('node-zookeeper-client');

const INTERFACE = 'org.apache.dubbo.demo.InteropService';
const METHODS = 'attachment,echoUser,fail,gather,nothing,probeHeartbeat,sayHello,stats';

function javaUrlEncode(text) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function providerUrl(port, extra) {
  const params = Object.assign({
    anyhost: 'true',
    application: 'js-hessian-provider',
    deprecated: 'false',
    dubbo: '2.0.2',
    dynamic: 'true',
    generic: 'false',
    interface: INTERFACE,
    methods: METHODS,
    owner: 'interop team',
    pid: String(process.pid),
    release: '2.7.23',
    side: 'provider',
    timestamp: String(Date.now()),
  }, extra);
  const query = Object.keys(params).sort().map((k) => k + '=' + params[k]).join('&');
  return 'dubbo://127.0.0.1:' + port + '/' + INTERFACE + '?' + query;
}

function call(fn, ...args) {
  return new Promise((resolve, reject) => fn(...args, (err, res) => (err ? reject(err) : resolve(res))));
}

// Creates `node` and its missing parents persistent (an existing one is fine).
async function mkdirs(client, node) {
  let at = '';
  for (const part of node.split('/').filter(Boolean)) {
    at += '/' + part;
    try {
      await call(client.create.bind(client), at, zookeeper.CreateMode.PERSISTENT);
    } catch (err) {
      if (err.getCode() !== zookeeper.Exception.NODE_EXISTS) throw err;
    }
  }
}

function fail(message) {
  process.stderr.write('zk_provider: ' + message + '\n');
  process.exit(2);
}

function startProvider() {
  const child = spawn(process.execPath, [path.join(__dirname, 'dubbo_provider.js')],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (data) => {
      out += data;
      const m = /^listening (\d+)$/m.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => fail('dubbo_provider.js exited (' + code + ')'));
  });
}

async function main() {
  const zk = process.argv[2];
  if (!/^[^:]+:\d+$/.test(zk || '')) fail('usage: node zk_provider.js ZKHOST:PORT');
  const { child, port } = await startProvider();
  const client = zookeeper.createClient(zk, { sessionTimeout: 10000 });
  // Closing the session removes the ephemeral nodes at once (not at the session's expiry).
  const stop = () => {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    client.once('disconnected', () => process.exit(0));
    client.close();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();

  await new Promise((resolve) => { client.once('connected', resolve); client.connect(); });
  const providers = '/dubbo/' + javaUrlEncode(INTERFACE) + '/providers';
  await mkdirs(client, providers);
  for (const extra of [{}, { group: 'g1', version: '1.0.0' }]) {
    const node = providers + '/' + javaUrlEncode(providerUrl(port, extra));
    await call(client.create.bind(client), node, zookeeper.CreateMode.EPHEMERAL);
  }
  process.stdout.write('registered ' + port + '\n');
}

main().catch((err) => fail(err && err.stack || String(err)));
