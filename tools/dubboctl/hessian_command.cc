#include "tools/dubboctl/hessian_command.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "codec/hessian2/codec.h"
#include "codec/json.h"
#include "common/hex.h"

namespace dubbo::dubboctl {
namespace {

constexpr char kHessianFooter[] = R"(JSON form (decode --json prints it, encode reads it):
  null, true/false, strings, arrays (untyped lists) and objects (untyped maps
  with string keys) are plain JSON. An integer literal is an int (long when it
  does not fit 32 bits); a number with '.' or an exponent is a double.
  Anything else is a hint: an object whose FIRST key is "$class" or "$ref".
    {"$class":"long","$":5}           also "int" "short" "byte" "double" "float";
                                      "$" may be a numeric string; doubles also
                                      take "NaN", "Infinity", "-Infinity"
    {"$class":"boolean","$":true}     {"$class":"string","$":"x"}
    {"$class":"date","$":"2023-11-14T22:13:20.000Z"}   or epoch milliseconds
    {"$class":"binary","$":"AQID"}    base64
    {"$ref":0}                        back-reference to container #0 (lists, maps
                                      and objects are numbered in order, from 0)
    {"$class":"[int","$":[1,2]}       typed list ("java.util.ArrayList" = untyped)
    {"$class":"java.util.TreeMap","$":{"a":1}}   map: the class name ends in Map,
                                      Hashtable or Properties; "$" may also be
                                      [[key,value],...] for keys of any kind
                                      ("java.util.HashMap" = untyped)
    {"$class":"demo.Pair","$":{"a":1,"b":"x"}}   object, fields in order
    {"$class":C,"$kind":"list"|"map"|"object","$":...}   forces the kind

Dubbo frames: input starting with 0xdabb is read as 16-byte header + body;
the body's values are labelled (request: version, path, method, arguments,
attachments; response: result flag, value or exception, attachments).
Exit status: 0 ok, 1 bad input (message on stderr), 2 bad usage.
)";

constexpr char kDecodeFooter[] =
    R"(Input: the hex arguments (whitespace and a leading 0x allowed; several are
concatenated), or --file PATH (raw bytes; '-' = stdin), or else hex text on stdin.
Output: one line per value with its kind; containers show their reference
number (#N) and back-references print as "ref #N". Input starting with the
Dubbo magic 0xdabb is decoded frame by frame: the 16-byte header, then the
body's values, labelled. --json prints the values as a JSON array (for a frame,
its body values), which "dubboctl hessian encode --multi" turns back into the
same bytes. See "dubboctl hessian --help" for the JSON form.
)";

constexpr char kEncodeFooter[] =
    R"(Input: the JSON argument, or --file PATH ('-' = stdin), or else stdin.
Output: the Hessian 2 bytes as lowercase hex and a newline. See
"dubboctl hessian --help" for the JSON form and its type hints.
)";

// ---- input -------------------------------------------------------------------------------------

Result<std::string> ReadAll(const std::string& path) {
  std::string data;
  if (path == "-") {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return Status(StatusCode::kIoError, "cannot read stdin");
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, "cannot read " + path + ": " + std::strerror(errno));
  data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Status(StatusCode::kIoError, "cannot read " + path);
  return data;
}

// ---- the tree ----------------------------------------------------------------------------------

std::string Count(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// Java's length of a string: UTF-16 units.
size_t Utf16Units(std::string_view s) {
  size_t units = 0;
  for (const char c : s) {
    const auto b = static_cast<uint8_t>(c);
    if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;
  }
  return units;
}

std::string Quote(std::string_view s) { return ToJson(Value::String(std::string(s))); }

constexpr size_t kStringShown = 64;  // bytes of a long string shown
constexpr size_t kBinaryShown = 32;  // bytes of a long binary shown

std::string StringText(const std::string& s) {
  if (s.size() <= kStringShown + 16) return "string " + Quote(s);
  size_t cut = kStringShown;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;  // whole characters
  return "string (" + Count(Utf16Units(s), "char", "chars") + ") " + Quote(s.substr(0, cut)) +
         "...";
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return ToJson(Value::Double(d));
}

std::string ContainerName(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kList:
      return v.as_list().type.empty() ? "list" : "list " + v.as_list().type;
    case Value::Kind::kMap:
      return v.as_map().type.empty() ? "map" : "map " + v.as_map().type;
    case Value::Kind::kObject:
      return "object " + v.as_object().class_name;
    default:
      return std::string(KindName(v.kind()));
  }
}

// Prints the values of one message as an indented tree, one line per value. Containers show their
// reference number (#N), which the printer counts as it goes: call Print for the message's values
// in order.
class TreePrinter {
 public:
  explicit TreePrinter(const std::vector<Value>& message) : refs_(message) {}

  void Print(const std::string& label, const Value& v, int level, std::string_view suffix = {}) {
    out_.append(static_cast<size_t>(level) * 2, ' ');
    out_ += label;
    switch (v.kind()) {
      case Value::Kind::kList: {
        const List& l = v.as_list();
        out_ += ContainerName(v) + " (" + Count(l.items.size(), "item", "items") + ")";
        Number(suffix);
        for (size_t i = 0; i < l.items.size(); ++i)
          Print("[" + std::to_string(i) + "] ", l.items[i], level + 1);
        return;
      }
      case Value::Kind::kMap: {
        const Map& m = v.as_map();
        out_ += ContainerName(v) + " (" + Count(m.entries.size(), "entry", "entries") + ")";
        Number(suffix);
        for (const auto& [key, value] : m.entries) {
          if (key.is_container()) {
            Print("key: ", key, level + 1);
            Print("value: ", value, level + 1);
          } else {
            Print((key.if_string() ? Quote(*key.if_string()) : Head(key)) + ": ", value, level + 1);
          }
        }
        return;
      }
      case Value::Kind::kObject: {
        out_ += ContainerName(v);
        Number(suffix);
        for (const auto& [name, field] : v.as_object().fields) Print(name + ": ", field, level + 1);
        return;
      }
      default:
        out_ += Head(v);
        out_ += suffix;
        out_ += '\n';
        return;
    }
  }

  // A line that is not a value (notes).
  void Note(std::string_view text, int level) {
    out_.append(static_cast<size_t>(level) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  const std::string& out() const { return out_; }

 private:
  void Number(std::string_view suffix) {
    out_ += "  #" + std::to_string(next_ref_++);
    out_ += suffix;
    out_ += '\n';
  }

  std::string Head(const Value& v) const {
    switch (v.kind()) {
      case Value::Kind::kNull:
        return "null";
      case Value::Kind::kBool:
        return v.as_bool() ? "bool true" : "bool false";
      case Value::Kind::kInt:
        return "int " + std::to_string(v.as_int());
      case Value::Kind::kLong:
        return "long " + std::to_string(v.as_long());
      case Value::Kind::kDouble:
        return "double " + DoubleText(v.as_double());
      case Value::Kind::kDate: {
        const int64_t ms = v.as_date().millis;
        const std::string text = FormatJsonDate(ms);
        return "date " + (text == std::to_string(ms) ? text + " ms since the epoch" : text);
      }
      case Value::Kind::kString:
        return StringText(v.as_string());
      case Value::Kind::kBinary: {
        const Binary& b = v.as_binary();
        const size_t shown = b.size() <= kBinaryShown + 8 ? b.size() : kBinaryShown;
        std::string text = "binary (" + Count(b.size(), "byte", "bytes") + ")";
        if (!b.empty()) {
          text += " " + ToHex(std::string_view(reinterpret_cast<const char*>(b.data()), shown));
          if (shown < b.size()) text += "...";
        }
        return text;
      }
      case Value::Kind::kRef: {
        const Value* target = refs_.Get(v.as_ref());
        return "ref #" + std::to_string(v.as_ref().index) +
               (target != nullptr ? " -> " + ContainerName(*target) : " (no such container)");
      }
      default:
        return std::string(KindName(v.kind()));
    }
  }

  RefTable refs_;
  uint32_t next_ref_ = 0;
  std::string out_;
};

// ---- Dubbo frames ------------------------------------------------------------------------------

constexpr size_t kHeaderSize = 16;
constexpr uint8_t kFlagRequest = 0x80;
constexpr uint8_t kFlagTwoWay = 0x40;
constexpr uint8_t kFlagEvent = 0x20;
constexpr uint8_t kSerializationMask = 0x1f;
constexpr uint8_t kHessian2 = 2;

bool StartsWithMagic(std::string_view b) {
  return b.size() >= 2 && static_cast<uint8_t>(b[0]) == 0xda && static_cast<uint8_t>(b[1]) == 0xbb;
}

std::string_view SerializationName(int id) {
  switch (id) {
    case 2:
      return "hessian2";
    case 3:
      return "java";
    case 4:
      return "compactedjava";
    case 6:
      return "fastjson";
    case 7:
      return "nativejava";
    case 8:
      return "kryo";
    case 9:
      return "fst";
    case 10:
      return "native-hessian";
    case 11:
      return "avro";
    case 12:
      return "protostuff";
    case 16:
      return "gson";
    case 18:
      return "jackson";
    case 21:
      return "protobuf-json";
    case 22:
      return "protobuf";
    case 23:
      return "fastjson2";
    case 25:
      return "kryo2";
    case 27:
      return "msgpack";
    case 28:
      return "fury";
    default:
      return {};
  }
}

std::string SerializationText(int id) {
  const std::string_view name = SerializationName(id);
  return std::to_string(id) + (name.empty() ? "" : " = " + std::string(name));
}

uint64_t BigEndian(std::string_view b, size_t offset, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b[offset + i]);
  return v;
}

struct FrameHeader {
  uint8_t flag = 0;
  uint8_t status = 0;
  int64_t id = 0;
  int32_t body_length = 0;

  bool request() const { return (flag & kFlagRequest) != 0; }
  bool event() const { return (flag & kFlagEvent) != 0; }
  int serialization() const { return flag & kSerializationMask; }
};

std::string HeaderText(const FrameHeader& h) {
  std::string flags = h.request() ? "request" : "response";
  if (h.flag & kFlagTwoWay) flags += ", two-way";
  if (h.event()) flags += ", event";
  flags += ", serialization " + SerializationText(h.serialization());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string status = std::to_string(h.status);
  if (!h.request()) {
    status += IsWireStatus(h.status)
                  ? " (" + std::string(StatusCodeName(static_cast<StatusCode>(h.status))) + ")"
                  : " (not a Dubbo status)";
  }
  return std::string("header\n") + "  magic: 0xdabb\n" + "  flag: 0x" + kHex[h.flag >> 4] +
         kHex[h.flag & 15] + " (" + flags + ")\n" + "  status: " + status + "\n" +
         "  request id: " + std::to_string(h.id) + "\n" +
         "  body length: " + std::to_string(h.body_length) + "\n";
}

// Splits a JVM parameter descriptor ("Ljava/lang/String;I[J") into Java type names
// ("java.lang.String", "int", "long[]"): one per argument.
Result<std::vector<std::string>> ParseDescriptor(std::string_view d) {
  std::vector<std::string> types;
  for (size_t i = 0; i < d.size(); ++i) {
    size_t dims = 0;
    while (i < d.size() && d[i] == '[') {
      ++dims;
      ++i;
    }
    if (i >= d.size()) {
      return Status(StatusCode::kDecodeError, "array prefix without an element type at the end");
    }
    std::string name;
    switch (d[i]) {
      case 'Z':
        name = "boolean";
        break;
      case 'B':
        name = "byte";
        break;
      case 'C':
        name = "char";
        break;
      case 'D':
        name = "double";
        break;
      case 'F':
        name = "float";
        break;
      case 'I':
        name = "int";
        break;
      case 'J':
        name = "long";
        break;
      case 'S':
        name = "short";
        break;
      case 'V':
        name = "void";
        break;
      case 'L': {
        const size_t semi = d.find(';', i);
        if (semi == std::string_view::npos || semi == i + 1) {
          return Status(StatusCode::kDecodeError,
                        "class name at offset " + std::to_string(i) + " has no terminating ';'");
        }
        name.assign(d.substr(i + 1, semi - i - 1));
        for (char& c : name)
          if (c == '/') c = '.';
        i = semi;
        break;
      }
      default:
        return Status(StatusCode::kDecodeError,
                      "unexpected '" + std::string(1, d[i]) + "' at offset " + std::to_string(i));
    }
    for (size_t k = 0; k < dims; ++k) name += "[]";
    types.push_back(std::move(name));
  }
  return types;
}

// The values of one body with a label per value, read one at a time so a failure keeps what
// was read before it.
struct LabeledValues {
  std::vector<Value> values;
  std::vector<std::string> labels;
  std::vector<std::string> suffixes;
  std::vector<std::string> notes;  // printed after the values
};

class BodyReader {
 public:
  explicit BodyReader(std::string_view body) : r_(body) {}

  hessian2::Reader& reader() { return r_; }
  LabeledValues& result() { return out_; }

  // Reads the next value; nullptr on failure (see reader().status()). The pointer is valid until
  // the next call.
  const Value* Next(std::string label) {
    if (!r_.ok()) return nullptr;
    Value v;
    r_.ReadValue(&v);
    if (!r_.ok()) return nullptr;
    out_.values.push_back(std::move(v));
    out_.labels.push_back(std::move(label));
    out_.suffixes.emplace_back();
    return &out_.values.back();
  }
  void Suffix(std::string s) { out_.suffixes.back() = std::move(s); }

 private:
  hessian2::Reader r_;
  LabeledValues out_;
};

void ReadRequest(BodyReader& b) {
  for (const char* label : {"dubbo version", "service path", "service version", "method"})
    if (b.Next(label) == nullptr) return;
  // Dubbox 2.8 sends an int (-1) before the descriptor.
  if (b.reader().PeekKind() == Value::Kind::kInt && b.Next("dubbox marker") == nullptr) return;
  const Value* desc = b.Next("parameter types");
  if (desc == nullptr) return;
  Result<std::vector<std::string>> types = std::vector<std::string>();
  if (const std::string* s = desc->if_string()) {
    types = ParseDescriptor(*s);
  } else if (!desc->is_null()) {
    types = Status(StatusCode::kDecodeError, "it is not a string");
  }
  if (!types.ok()) {
    b.result().notes.push_back("(cannot parse the parameter types: " + types.status().message() +
                               "; the values after them are not labelled)");
    while (!b.reader().AtEnd())
      if (b.Next("value") == nullptr) return;
    return;
  }
  for (size_t i = 0; i < types->size(); ++i)
    if (b.Next("argument " + std::to_string(i) + " (" + (*types)[i] + ")") == nullptr) return;
  b.Next("attachments");
}

void ReadResponse(BodyReader& b) {
  static constexpr const char* kFlags[] = {"exception",
                                           "value",
                                           "null value",
                                           "exception with attachments",
                                           "value with attachments",
                                           "null value with attachments"};
  const Value* flag = b.Next("result flag");
  if (flag == nullptr) return;
  int64_t f = -1;
  if (!flag->GetInteger(&f) || f < 0 || f > 5) {
    b.Suffix(" (unknown result flag)");
    while (!b.reader().AtEnd())
      if (b.Next("value") == nullptr) return;
    return;
  }
  b.Suffix(std::string(" (") + kFlags[f] + ")");
  if ((f == 0 || f == 3) && b.Next("exception") == nullptr) return;
  if ((f == 1 || f == 4) && b.Next("value") == nullptr) return;
  if (f >= 3) b.Next("attachments");
}

// Output of a decode: stdout text, and the failure (if any) for stderr after it.
struct DecodeOutput {
  std::string out;
  std::string notes;  // --json: notes go to stderr so stdout stays JSON
  Status status;
};

void PrintBody(const LabeledValues& body, bool json, DecodeOutput* o) {
  if (json) {
    o->out += ToJson(body.values, 2) + "\n";
    for (const auto& n : body.notes) o->notes += n + "\n";
    return;
  }
  TreePrinter tree(body.values);
  for (size_t i = 0; i < body.values.size(); ++i)
    tree.Print(body.labels[i] + ": ", body.values[i], 1, body.suffixes[i]);
  for (const auto& n : body.notes) tree.Note(n, 1);
  o->out += tree.out();
}

// The reader's message ends "at offset N" counted in the body; says where that is in the input.
std::string InputOffsets(const std::string& message, size_t body_at) {
  static constexpr std::string_view kAt = " at offset ";
  const size_t at = message.rfind(kAt);
  if (at == std::string::npos) return message;
  uint64_t n = 0;
  const char* end = message.data() + message.size();
  if (std::from_chars(message.data() + at + kAt.size(), end, n).ptr != end) return message;
  return message.substr(0, at) + kAt.data() + std::to_string(n + body_at) + " (offset " +
         std::to_string(n) + " in the body)";
}

// One frame at input[pos]; returns the offset after it (or npos after a failure).
size_t DecodeFrame(std::string_view input, size_t pos, bool json, DecodeOutput* o) {
  const size_t available = input.size() - pos;
  if (available < kHeaderSize) {
    o->status =
        Status(StatusCode::kDecodeError, "truncated Dubbo header at offset " + std::to_string(pos) +
                                             ": " + std::to_string(available) + " of 16 bytes");
    return std::string_view::npos;
  }
  FrameHeader h;
  h.flag = static_cast<uint8_t>(input[pos + 2]);
  h.status = static_cast<uint8_t>(input[pos + 3]);
  h.id = static_cast<int64_t>(BigEndian(input, pos + 4, 8));
  h.body_length = static_cast<int32_t>(BigEndian(input, pos + 12, 4));
  if (!json) o->out += HeaderText(h);
  const size_t body_at = pos + kHeaderSize;
  if (h.body_length < 0 || static_cast<size_t>(h.body_length) > input.size() - body_at) {
    o->status =
        Status(StatusCode::kDecodeError,
               "the frame at offset " + std::to_string(pos) + " declares a " +
                   std::to_string(h.body_length) + "-byte body but " +
                   Count(input.size() - body_at, "byte follows", "bytes follow") + " its header");
    return std::string_view::npos;
  }
  if (h.serialization() != kHessian2) {
    const std::string_view name = SerializationName(h.serialization());
    o->status =
        Status(StatusCode::kDecodeError, "serialization " + std::to_string(h.serialization()) +
                                             (name.empty() ? "" : " (" + std::string(name) + ")") +
                                             " is not Hessian 2");
    return std::string_view::npos;
  }
  const std::string_view body = input.substr(body_at, static_cast<size_t>(h.body_length));
  BodyReader b(body);
  std::string title;
  if (h.event()) {
    title = "event body";
    if (const Value* data = b.Next("data"); data != nullptr && data->is_null())
      b.Suffix(" (heartbeat)");
  } else if (h.request()) {
    title = "request body";
    ReadRequest(b);
  } else if (h.status != static_cast<uint8_t>(StatusCode::kOk)) {
    title = "response body";
    b.Next("error message");
  } else {
    title = "response body";
    ReadResponse(b);
  }
  if (b.reader().ok() && b.reader().remaining() > 0) {
    // Java skips unread body bytes with a warning (dubbo-go appends an 'N' to responses).
    b.result().notes.push_back("(" +
                               Count(b.reader().remaining(), "trailing byte", "trailing bytes") +
                               " in the body, not decoded)");
  }
  if (!b.reader().ok()) {
    o->status =
        Status(StatusCode::kDecodeError, InputOffsets(b.reader().status().message(), body_at));
    if (json) return std::string_view::npos;
  }
  if (!json) o->out += title + "\n";
  PrintBody(b.result(), json, o);
  return o->status.ok() ? body_at + body.size() : std::string_view::npos;
}

void DecodeFrames(std::string_view input, bool json, DecodeOutput* o) {
  size_t pos = 0;
  while (pos < input.size()) {
    if (!StartsWithMagic(input.substr(pos))) {
      const std::string note = "(" + Count(input.size() - pos, "trailing byte", "trailing bytes") +
                               " after the frame, not decoded)\n";
      (json ? o->notes : o->out) += note;
      return;
    }
    pos = DecodeFrame(input, pos, json, o);
    if (pos == std::string_view::npos) return;
  }
}

void DecodeMessage(std::string_view input, bool json, DecodeOutput* o) {
  hessian2::Reader r(input);
  std::vector<Value> values;
  while (!r.AtEnd()) {
    Value v;
    r.ReadValue(&v);
    if (!r.ok()) break;
    values.push_back(std::move(v));
  }
  o->status = r.status();
  if (json) {
    if (o->status.ok()) o->out = ToJson(values, 2) + "\n";
    return;
  }
  TreePrinter tree(values);
  for (const Value& v : values) tree.Print("", v, 0);
  if (values.empty() && o->status.ok()) tree.Note("(no values)", 0);
  o->out = tree.out();
}

// ---- commands ----------------------------------------------------------------------------------

struct DecodeOptions {
  std::vector<std::string> hex;
  std::string file;
  bool json = false;
  bool raw = false;
};

Result<std::string> DecodeInput(const DecodeOptions& o, bool from_file) {
  if (from_file) return ReadAll(o.file);
  if (o.hex.empty()) {
    DUBBO_ASSIGN_OR_RETURN(std::string text, ReadAll("-"));
    auto bytes = FromHex(text);
    if (!bytes.ok()) return bytes.status().WithContext("stdin");
    return bytes;
  }
  std::string bytes;
  for (size_t i = 0; i < o.hex.size(); ++i) {
    auto part = FromHex(o.hex[i]);
    if (!part.ok()) {
      return o.hex.size() == 1 ? part.status()
                               : part.status().WithContext("hex argument " + std::to_string(i + 1));
    }
    bytes += *part;
  }
  return bytes;
}

int RunDecode(const DecodeOptions& opts, bool from_file) {
  auto input = DecodeInput(opts, from_file);
  if (!input.ok()) return Fail(input.status().message());
  DecodeOutput o;
  if (!opts.raw && StartsWithMagic(*input)) {
    DecodeFrames(*input, opts.json, &o);
  } else {
    DecodeMessage(*input, opts.json, &o);
  }
  std::cout << o.out << std::flush;
  std::cerr << o.notes;
  if (o.status.ok()) return kExitOk;
  return Fail(from_file && opts.file != "-" ? opts.file + ": " + o.status.message()
                                            : o.status.message());
}

struct EncodeOptions {
  std::string json;
  std::string file;
  bool multi = false;
};

int RunEncode(const EncodeOptions& opts, bool has_json, bool from_file) {
  std::string text = opts.json;
  if (!has_json) {
    auto read = ReadAll(from_file ? opts.file : "-");
    if (!read.ok()) return Fail(read.status().message());
    text = std::move(*read);
  }
  const std::string where = from_file && opts.file != "-" ? opts.file + ": " : "";
  std::vector<Value> values;
  if (opts.multi) {
    auto parsed = ParseJsonValues(text);
    if (!parsed.ok()) return Fail(where + parsed.status().message());
    values = std::move(*parsed);
  } else {
    auto parsed = ParseJson(text);
    if (!parsed.ok()) return Fail(where + parsed.status().message());
    values.push_back(std::move(*parsed));
  }
  std::cout << ToHex(hessian2::EncodeAll(values)) << '\n';
  return kExitOk;
}

}  // namespace

void AddHessianCommand(CLI::App& app, Action* action) {
  CLI::App* hessian =
      app.add_subcommand("hessian", "Decode and encode Hessian 2, Dubbo's default serialization.");
  hessian->require_subcommand(1);
  hessian->footer(kHessianFooter);

  auto d = std::make_shared<DecodeOptions>();
  CLI::App* decode = hessian->add_subcommand(
      "decode", "Decode Hessian 2 bytes or Dubbo frames into a tree or JSON.");
  decode->footer(kDecodeFooter);
  CLI::Option* hex = decode
                         ->add_option("hex", d->hex,
                                      "Hessian bytes as hex; whitespace and a leading 0x are "
                                      "allowed, arguments are concatenated")
                         ->type_name("HEX");
  CLI::Option* file =
      decode->add_option("-f,--file", d->file, "Read raw bytes from PATH ('-' = stdin)")
          ->type_name("PATH");
  file->excludes(hex);
  decode->add_flag("--json", d->json,
                   "Print the values as JSON with type hints (what encode reads)");
  decode->add_flag("--raw", d->raw,
                   "Decode as plain Hessian even when the input starts with 0xdabb");
  decode->callback([d, file, action] {
    const bool from_file = file->count() > 0;
    *action = [d, from_file] { return RunDecode(*d, from_file); };
  });

  auto e = std::make_shared<EncodeOptions>();
  CLI::App* encode = hessian->add_subcommand("encode", "Encode JSON as Hessian 2, printed as hex.");
  encode->footer(kEncodeFooter);
  CLI::Option* json = encode->add_option("json", e->json, "The JSON text")->type_name("JSON");
  CLI::Option* efile =
      encode->add_option("-f,--file", e->file, "Read the JSON from PATH ('-' = stdin)")
          ->type_name("PATH");
  efile->excludes(json);
  encode->add_flag(
      "--multi", e->multi,
      "The JSON is an array of several top-level values (one message; refs span them)");
  encode->callback([e, json, efile, action] {
    const bool has_json = json->count() > 0;
    const bool from_file = efile->count() > 0;
    *action = [e, has_json, from_file] { return RunEncode(*e, has_json, from_file); };
  });
}

}  // namespace dubbo::dubboctl
