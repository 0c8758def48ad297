'use strict';

// A minimal Dubbo 2 provider whose Hessian encoder and decoder are npm hessian.js (2.11.0, pinned
// by package-lock.json), so the C++ client is tested against bytes another library produced.
//
//   node dubbo_provider.js    listens on 127.0.0.1:<ephemeral>, prints "listening <port>"
//
// It exits on SIGTERM, SIGINT or when stdin closes (so a crashed test leaves no process behind).
//
// Exported: org.apache.dubbo.demo.InteropService unversioned, and again as version 1.0.0 in
// group g1 (answers say which). Methods, with their Java signatures:
//   String sayHello(String name)            "Hello <name>"
//   demo.User echoUser(demo.User user)       the same user back
//   String nothing()                         null
//   String fail(String message)              throws java.lang.IllegalStateException(message)
//   int gather(int n, int i)                 held until n calls are held, then all answered in
//                                            reverse arrival order (pipelining, out of order)
//   String attachment(String key)            the request attachment `key` as text, or null
//   int probeHeartbeat()                     first sends the caller's connection a heartbeat
//                                            request (id -2), as Dubbo 2.6 providers do; 1
//   java.util.Map stats()                    heartbeatsAnswered: heartbeat requests answered;
//                                            heartbeatRepliesReceived: correct answers to probes
//
// Protocol behaviour (docs: shared reference §1): frames are parsed from a per-connection buffer
// (pipelined, any number per read); responses copy the request id bytes and serialization id;
// result flags are 0/1/2, or 3/4/5 with attachments when the request's dubbo version is in
// [2.0.2, 2.0.99]; heartbeat requests are answered, and answers to its own probes are counted.
// The probe is sent on request only: node-zookeeper-dubbo assumes every TCP read starts a frame,
// so an unsolicited heartbeat coalesced with a response would wedge it.

const net = require('net');
const hessian = require('hessian.js');
const java = require('js-to-java');

const HEADER_LENGTH = 16;
const MAGIC_HIGH = 0xda;
const MAGIC_LOW = 0xbb;
const FLAG_REQUEST = 0x80;
const FLAG_TWOWAY = 0x40;
const FLAG_EVENT = 0x20;
const SERIALIZATION_MASK = 0x1f;
const HESSIAN2 = 2;
const STATUS_OK = 20;
const STATUS_BAD_REQUEST = 40;
const STATUS_SERVICE_ERROR = 70;
const MAX_BODY = 8 * 1024 * 1024;  // Dubbo's default payload
const HESSIAN_NULL = 0x4e;

const INTERFACE = 'org.apache.dubbo.demo.InteropService';
// -2 as a signed 64-bit big-endian id: the client must echo it byte for byte.
const PROBE_ID = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);

const counters = { heartbeatsAnswered: 0, heartbeatRepliesReceived: 0 };
const held = [];  // gather() calls waiting for the rest of their batch

// ------------------------------------------------------------------ protocol helpers

// org.apache.dubbo.common.Version.getIntVersion (2.7+): parts as base-100 digits, times 100
// when there are exactly three parts; a part without leading digits makes it "legacy".
function intVersion(version) {
  const parts = version.split('.');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  let v = 0;
  for (let i = 0; i < parts.length; i++) {
    const digits = /^\d+/.exec(parts[i]);
    if (!digits) return 10000;
    v += Number(digits[0]) * Math.pow(100, parts.length - 1 - i);
  }
  return parts.length === 3 ? v * 100 : v;
}

// Version.isSupportResponseAttachment: only 2.0.2 .. 2.0.99 consumers understand flags 3/4/5;
// older ones (node-zookeeper-dubbo sends "2.5.3.6") fail on them.
function supportsResponseAttachments(version) {
  if (!version) return false;
  const v = intVersion(version);
  return v >= 2000200 && v <= 2009900;
}

// Number of parameters in a JVM descriptor such as "Ljava/lang/String;I[J": the provider reads
// exactly that many argument values, as Java's DecodeableRpcInvocation does.
function parameterCount(descriptor) {
  const types = descriptor.match(/\[*(?:[VZBCDFIJS]|L[^;]+;)/g) || [];
  if (types.join('') !== descriptor) {
    throw new Error('bad parameter descriptor "' + descriptor + '"');
  }
  return types.length;
}

function header(flags, status, idBytes, bodyLength) {
  const h = Buffer.alloc(HEADER_LENGTH);
  h[0] = MAGIC_HIGH;
  h[1] = MAGIC_LOW;
  h[2] = flags;
  h[3] = status;
  idBytes.copy(h, 4);
  h.writeInt32BE(bodyLength, 12);
  return h;
}

function frame(flags, status, idBytes, body) {
  return Buffer.concat([header(flags, status, idBytes, body.length), body]);
}

function encodedBody(writeValues) {
  // One encoder per body: Hessian's reference and class tables span all values of a message.
  const encoder = new hessian.EncoderV2();
  writeValues(encoder);
  return encoder.get();
}

// A status response: the body is one Hessian string (Java's writeUTF(errorMessage)).
function errorFrame(idBytes, status, message) {
  return frame(HESSIAN2, status, idBytes, encodedBody((e) => e.write(message)));
}

// A result response: flag (a Hessian int), then the value or exception, then attachments when
// the consumer's version allows them. `outcome` is {value}, {exception} or {} for null.
function resultFrame(idBytes, dubboVersion, outcome) {
  const attach = supportsResponseAttachments(dubboVersion);
  const body = encodedBody((e) => {
    if (outcome.exception) {
      e.writeInt(attach ? 3 : 0);
      e.write(outcome.exception);
    } else if (outcome.value !== undefined && outcome.value !== null) {
      e.writeInt(attach ? 4 : 1);
      e.write(outcome.value);
    } else {
      e.writeInt(attach ? 5 : 2);
    }
    // Java adds its protocol version to the response attachments.
    if (attach) e.write({ $class: 'java.util.HashMap', $: { dubbo: '2.0.2' } });
  });
  return frame(HESSIAN2, STATUS_OK, idBytes, body);
}

// ------------------------------------------------------------------ Java-shaped values

// java.lang.IllegalStateException as hessian-lite's JavaSerializer writes a Throwable: Throwable's
// fields in declaration order, `cause` pointing at the exception itself (Java's "no cause"
// marker, a back-reference on the wire), a typed StackTraceElement array, an empty list.
function illegalState(message) {
  const exception = { $class: 'java.lang.IllegalStateException', $: {} };
  exception.$.detailMessage = java.String(message);
  exception.$.cause = exception;
  exception.$.stackTrace = {
    $class: '[java.lang.StackTraceElement',
    $: [java('java.lang.StackTraceElement', {
      declaringClass: java.String('org.apache.dubbo.demo.InteropServiceImpl'),
      methodName: java.String('fail'),
      fileName: java.String('InteropServiceImpl.java'),
      lineNumber: java.int(42),
    })],
  };
  exception.$.suppressedExceptions = { $class: 'java.util.Collections$EmptyList', $: [] };
  return exception;
}

// demo.Pet { String name; int age; }
function typedPet(pet) {
  return java('demo.Pet', { name: java.String(pet.name), age: java.int(pet.age) });
}

// demo.User { int id; String name; long createdAt; List<String> tags; List<demo.Pet> pets; }
// Rebuilt with explicit Java types: a decoded JS number no longer says whether it was an int or
// a long, and Java's field order is the class definition's order.
function typedUser(user) {
  if (user === null || user === undefined) return null;
  return java('demo.User', {
    id: java.int(user.id),
    name: java.String(user.name),
    createdAt: java.long(user.createdAt),
    tags: user.tags ? user.tags.slice() : null,
    pets: user.pets ? user.pets.map(typedPet) : null,
  });
}

// ------------------------------------------------------------------ the service

function exportedSuffix(version, group) {
  if ((version === '' || version === '0.0.0' || version === '*') && group === '') return '';
  if (version === '1.0.0' && group === 'g1') return ' from g1/1.0.0';
  return null;  // not exported
}

// Runs one invocation; answers through `reply(outcome)` now or later (gather).
function invoke(socket, call, reply) {
  const { method, descriptor, args, attachments, suffix } = call;
  const signature = method + '(' + descriptor + ')';
  switch (signature) {
    case 'sayHello(Ljava/lang/String;)':
      return reply({ value: 'Hello ' + args[0] + suffix });
    case 'echoUser(Ldemo/User;)':
      return reply({ value: typedUser(args[0]) });
    case 'nothing()':
      return reply({});
    case 'fail(Ljava/lang/String;)':
      return reply({ exception: illegalState(args[0]) });
    case 'gather(II)':
      return gather(args[0], args[1], reply);
    case 'attachment(Ljava/lang/String;)': {
      const v = attachments[args[0]];
      return reply({ value: v === undefined || v === null ? null : String(v) });
    }
    case 'probeHeartbeat()':
      sendProbe(socket);
      return reply({ value: java.int(1) });
    case 'stats()':
      return reply({ value: { $class: 'java.util.HashMap', $: {
        heartbeatsAnswered: java.int(counters.heartbeatsAnswered),
        heartbeatRepliesReceived: java.int(counters.heartbeatRepliesReceived),
      } } });
    default:
      return reply({
        status: STATUS_SERVICE_ERROR,
        message: 'Not found method ' + signature + ' in service ' + INTERFACE,
      });
  }
}

// Holds calls until `n` are waiting, then answers them last-first: every response of the batch
// overtakes requests sent before it, and all n were in flight at once.
function gather(n, i, reply) {
  held.push({ i, reply });
  if (held.length < n) return;
  const batch = held.splice(0, held.length);
  for (let k = batch.length - 1; k >= 0; k--) batch[k].reply({ value: java.int(batch[k].i) });
}

// ------------------------------------------------------------------ requests

function decodeRequest(body) {
  const d = new hessian.DecoderV2(body);
  const call = {};
  call.dubboVersion = d.read() || '';
  call.path = d.read();
  call.version = d.read() || '';  // null, "" and "0.0.0" all mean unversioned
  call.method = d.read();
  let descriptor = d.read();
  if (typeof descriptor === 'number') descriptor = d.read();  // Dubbox 2.8's extra -1
  call.descriptor = descriptor;
  call.args = [];
  for (let n = parameterCount(descriptor); n > 0; n--) call.args.push(d.read());
  call.attachments = d.read() || {};
  return call;
}

function handleRequest(socket, flags, idBytes, body) {
  const twoWay = (flags & FLAG_TWOWAY) !== 0;
  const send = (buf) => { if (twoWay && !socket.destroyed) socket.write(buf); };
  if ((flags & SERIALIZATION_MASK) !== HESSIAN2) {
    const message = 'Unrecognized serialize type from consumer: ' + (flags & SERIALIZATION_MASK);
    return send(errorFrame(idBytes, STATUS_BAD_REQUEST, message));
  }
  let call;
  try {
    call = decodeRequest(body);
  } catch (err) {
    const message = 'Fail to decode request due to: ' + err.message;
    return send(errorFrame(idBytes, STATUS_BAD_REQUEST, message));
  }
  // Attachments override the body's path and version, as in Java; the group is only there.
  const path = call.attachments.path || call.path;
  const version = call.attachments.version || call.version;
  const group = call.attachments.group || '';
  call.suffix = exportedSuffix(version, group);
  if (path !== INTERFACE || call.suffix === null) {
    const key = (group ? group + '/' : '') + path + (version ? ':' + version : '');
    return send(errorFrame(idBytes, STATUS_SERVICE_ERROR, 'Not found exported service: ' + key));
  }
  invoke(socket, call, (outcome) => {
    if (outcome.status) return send(errorFrame(idBytes, outcome.status, outcome.message));
    send(resultFrame(idBytes, call.dubboVersion, outcome));
  });
}

function handleEvent(socket, flags, idBytes, body) {
  const isHeartbeat = body.length === 1 && body[0] === HESSIAN_NULL;
  if ((flags & FLAG_REQUEST) === 0) {
    // An answer to our heartbeat request: event flag, OK status, our id, null body.
    if (isHeartbeat && idBytes.equals(PROBE_ID)) counters.heartbeatRepliesReceived++;
    return;
  }
  if (isHeartbeat && (flags & FLAG_TWOWAY) !== 0) {
    counters.heartbeatsAnswered++;
    socket.write(frame(FLAG_EVENT | HESSIAN2, STATUS_OK, idBytes, Buffer.from([HESSIAN_NULL])));
  }
  // Other events ("R"/"W" read-only notices) need no answer.
}

function handleFrame(socket, frameBytes) {
  const flags = frameBytes[2];
  const status = frameBytes[3];
  const idBytes = Buffer.from(frameBytes.subarray(4, 12));
  const body = frameBytes.subarray(HEADER_LENGTH);
  if ((flags & FLAG_EVENT) !== 0) return handleEvent(socket, flags, idBytes, body);
  if ((flags & FLAG_REQUEST) === 0) {
    process.stderr.write('dubbo_provider: unexpected response frame, status ' + status + '\n');
    return;
  }
  handleRequest(socket, flags, idBytes, body);
}

// Splits the byte stream into frames; one read may carry many frames or part of one.
function onConnection(socket) {
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  socket.on('data', (data) => {
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
    while (buffer.length >= HEADER_LENGTH) {
      if (buffer[0] !== MAGIC_HIGH || buffer[1] !== MAGIC_LOW) {
        process.stderr.write('dubbo_provider: bad magic, closing the connection\n');
        socket.destroy();
        return;
      }
      const length = buffer.readInt32BE(12);
      if (length < 0 || length > MAX_BODY) {
        process.stderr.write('dubbo_provider: bad body length ' + length + ', closing\n');
        socket.destroy();
        return;
      }
      if (buffer.length < HEADER_LENGTH + length) break;
      const frameBytes = buffer.subarray(0, HEADER_LENGTH + length);
      buffer = buffer.subarray(HEADER_LENGTH + length);
      handleFrame(socket, frameBytes);
    }
  });
  socket.on('error', () => {});  // the peer went away; nothing to clean up
}

// A two-way heartbeat request (flag 0xE2, null body): the consumer must answer with flag 0x22,
// status 20 and the same id.
function sendProbe(socket) {
  const flags = FLAG_REQUEST | FLAG_TWOWAY | FLAG_EVENT | HESSIAN2;
  socket.write(frame(flags, 0, PROBE_ID, Buffer.from([HESSIAN_NULL])));
}

function main() {
  const server = net.createServer(onConnection);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write('listening ' + server.address().port + '\n');
  });
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main();
