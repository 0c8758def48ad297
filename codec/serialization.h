// Runtime selection of a serialization by Dubbo's id (header byte 2, low 5 bits) or name, and the
// interfaces a message body is written and read through. Built in: 2 = "hessian2", 27 = "msgpack".
//
// A body is a sequence of values (for a request: dubbo version, path, version, method, parameter
// descriptor, arguments, attachments). ObjectOutput/ObjectInput carry the scalar and dynamic
// reads/writes every serialization supports; typed values go through codec/typed.h, which
// dispatches to the built-in codecs by id. Encode/Decode keep the per-message object on the stack.
//
// SerializationRegistry::Global() is born with the built-ins; registration and lookup are
// thread-safe, and a lookup by id (once per frame) is one atomic load. ObjectOutput/ObjectInput
// are single-threaded.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "codec/value.h"
#include "common/extension.h"
#include "common/function_ref.h"
#include "common/result.h"

namespace dubbo {

enum class SerializationId : uint8_t { kHessian2 = 2, kMsgpack = 27 };

class ObjectOutput {
 public:
  virtual ~ObjectOutput() = default;
  virtual SerializationId id() const = 0;
  virtual void WriteNull() = 0;
  virtual void WriteBool(bool v) = 0;
  virtual void WriteInt(int32_t v) = 0;
  virtual void WriteLong(int64_t v) = 0;
  virtual void WriteDouble(double v) = 0;
  virtual void WriteString(std::string_view utf8) = 0;
  virtual void WriteValue(const Value& v) = 0;
  // A map of `count` entries written as key, value, key, value ... then WriteMapEnd(): what
  // attachments are, without building a Value tree first.
  virtual void WriteMapBegin(size_t count) = 0;
  virtual void WriteMapEnd() = 0;
  // Appends values this serialization encoded earlier, verbatim. Only for values whose bytes do
  // not depend on what the message holds before them (strings, numbers; no references or class
  // definitions): the parts of a request that repeat from call to call.
  virtual void WriteEncoded(std::string_view bytes) = 0;
};

// Reads values in order. Errors are sticky (see hessian2::Reader): check ok() after reading.
class ObjectInput {
 public:
  virtual ~ObjectInput() = default;
  virtual SerializationId id() const = 0;
  virtual bool ok() const = 0;
  virtual Status status() const = 0;
  virtual size_t offset() const = 0;
  // True when no further value follows.
  virtual bool AtEnd() = 0;
  virtual void Fail(std::string_view what) = 0;
  virtual bool ReadNullIf() = 0;
  virtual bool ReadBool() = 0;
  virtual int32_t ReadInt() = 0;
  virtual int64_t ReadLong() = 0;
  virtual double ReadDouble() = 0;
  // Null reads as "" and returns false.
  virtual bool ReadString(std::string* out) = 0;
  virtual void ReadValue(Value* out) = 0;
  virtual void Skip() = 0;
  // The kind of the next value (kNull at the end of input).
  virtual Value::Kind PeekKind() = 0;
  // Reads a map (null reads as empty) into `out`, keeping the entries whose keys are strings;
  // string values are read directly, others as Values. What attachments are read with.
  virtual void ReadStringMap(std::vector<std::pair<std::string, Value>>* out) = 0;
  // Steps over the next `n` bytes, which the caller knows to be complete values that define
  // nothing later values refer to (bytes equal to ones it decoded before). Fails, recording an
  // error, when fewer than `n` bytes are left.
  virtual void SkipEncoded(size_t n) = 0;
};

class Serialization {
 public:
  virtual ~Serialization() = default;
  virtual SerializationId id() const = 0;
  virtual std::string_view name() const = 0;
  // The bytes of a serialized null (a heartbeat's body).
  virtual std::string_view NullBytes() const = 0;
  // Appends one message body written by `body` to `out`.
  virtual void Encode(std::string* out, FunctionRef<void(ObjectOutput&)> body) const = 0;
  // Reads one message body; returns the input's status after `body` ran. Bytes left unread after
  // the values `body` consumed are ignored (Dubbo skips them; dubbo-go appends an extra null).
  virtual Status Decode(std::string_view in, FunctionRef<void(ObjectInput&)> body) const = 0;
};

class SerializationRegistry {
 public:
  // The process-wide registry, holding hessian2 and msgpack from its first use.
  static SerializationRegistry& Global();

  // Fails with kAlreadyExists when the id or name is taken, unless `replace` says so; a replaced
  // serialization stays alive (a Serialization* handed out earlier remains valid).
  Status Register(std::unique_ptr<Serialization> s, Replace replace = Replace::kNo);

  // nullptr when unknown.
  const Serialization* Find(uint8_t id) const;
  const Serialization* Find(std::string_view name) const;
  // Like Find(name), with a kInvalidArgument naming the unknown serialization and the known ones.
  Result<const Serialization*> Get(std::string_view name) const;

 private:
  const Serialization* FindLocked(std::string_view name) const;

  mutable std::mutex mu_;
  // Every serialization ever registered, replaced ones included; never shrinks.
  std::vector<std::unique_ptr<Serialization>> entries_;
  // The current one per name (guarded by mu_) and per id (read without the lock).
  std::vector<const Serialization*> by_name_;
  std::atomic<const Serialization*> by_id_[32] = {};
};

}  // namespace dubbo
