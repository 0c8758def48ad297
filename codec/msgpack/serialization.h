// The "msgpack" serialization (Dubbo id 27; apache/dubbo-spi-extensions
// dubbo-serialization-msgpack): every ObjectOutput call writes one standalone msgpack value, so a
// body is the values of the Hessian body in the same order, concatenated. An exception is two
// values, its Java class name and then the object (MsgpackObjectOutput.writeThrowable). Null, a
// heartbeat's body, is 0xc0. Bytes left after the values a body reads are ignored.
//
// One MsgpackObjectOutput / MsgpackObjectInput per message; not thread-safe. The input borrows the
// body bytes, which must outlive it. MsgpackSerialization itself is stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "codec/msgpack/codec.h"
#include "codec/msgpack/packer.h"
#include "codec/msgpack/reader.h"
#include "codec/serialization.h"

namespace dubbo::msgpack {

class MsgpackObjectOutput final : public ObjectOutput {
 public:
  explicit MsgpackObjectOutput(std::string* out) : packer_(out) {}
  Packer& packer() { return packer_; }
  SerializationId id() const override { return SerializationId::kMsgpack; }
  void WriteNull() override { packer_.PackNil(); }
  void WriteBool(bool v) override { packer_.PackBool(v); }
  void WriteInt(int32_t v) override { packer_.PackInt(v); }
  void WriteLong(int64_t v) override { packer_.PackInt(v); }
  void WriteDouble(double v) override { packer_.PackDouble(v); }
  void WriteString(std::string_view v) override { packer_.PackString(v); }
  void WriteValue(const Value& v) override { packer_.PackValue(v); }
  void WriteMapBegin(size_t count) override { packer_.PackMapHeader(count); }
  void WriteMapEnd() override {}
  void WriteEncoded(std::string_view bytes) override { packer_.out()->append(bytes); }

  // The class name, then the exception. T is JavaException or a DUBBO_STRUCT deriving Throwable.
  template <typename T>
  void WriteThrowable(const T& e) {
    if constexpr (std::is_same_v<T, JavaException>) {
      packer_.PackString(e.class_name);
    } else {
      packer_.PackString(DescribeStruct<T>().java_class);
    }
    Write(packer_, e);
  }

 private:
  Packer packer_;
};

class MsgpackObjectInput final : public ObjectInput {
 public:
  explicit MsgpackObjectInput(std::string_view in, ReaderLimits limits = {})
      : reader_(in, limits) {}
  // The input is borrowed: reading from a temporary string would dangle.
  template <typename S>
  requires std::is_same_v<S, std::string> MsgpackObjectInput(S&&, ReaderLimits = {})
  = delete;
  Reader& reader() { return reader_; }
  SerializationId id() const override { return SerializationId::kMsgpack; }
  bool ok() const override { return reader_.ok(); }
  Status status() const override { return reader_.status(); }
  size_t offset() const override { return reader_.offset(); }
  bool AtEnd() override { return reader_.AtEnd(); }
  void Fail(std::string_view what) override { reader_.FailAt(reader_.offset(), what); }
  bool ReadNullIf() override { return reader_.NextIsNil(); }
  bool ReadBool() override;
  int32_t ReadInt() override;
  int64_t ReadLong() override;
  double ReadDouble() override;
  bool ReadString(std::string* out) override;
  void ReadValue(Value* out) override;
  void Skip() override { reader_.SkipNext(); }
  void SkipEncoded(size_t n) override { reader_.SkipBytes(n); }
  Value::Kind PeekKind() override;
  void ReadStringMap(std::vector<std::pair<std::string, Value>>* out) override;

  // The next value as a T (see codec.h). On an error *v is left as it is (or partly read).
  template <typename T>
  void ReadTyped(T* v) {
    if (const ::msgpack::object* o = reader_.Next()) Read(reader_, *o, v);
  }

  // The class-name value, then the exception object. For a JavaException the class name read
  // becomes class_name; a typed exception takes any class name (as Hessian's typed read does).
  template <typename T>
  void ReadThrowable(T* e) {
    const ::msgpack::object* o = reader_.Next();
    if (o == nullptr) return;
    std::string class_name;
    if (o->type != ::msgpack::type::STR) return reader_.Mismatch("exception class name (str)", *o);
    class_name.assign(o->via.str.ptr, o->via.str.size);
    ReadTyped(e);
    if constexpr (std::is_same_v<T, JavaException>) {
      if (reader_.ok()) e->class_name = std::move(class_name);
    }
  }

 private:
  Reader reader_;
};

class MsgpackSerialization final : public Serialization {
 public:
  SerializationId id() const override { return SerializationId::kMsgpack; }
  std::string_view name() const override { return "msgpack"; }
  std::string_view NullBytes() const override { return std::string_view("\xc0", 1); }
  void Encode(std::string* out, FunctionRef<void(ObjectOutput&)> body) const override {
    MsgpackObjectOutput o(out);
    body(o);
  }
  Status Decode(std::string_view in, FunctionRef<void(ObjectInput&)> body) const override {
    MsgpackObjectInput i(in);
    body(i);
    return i.status();
  }
};

}  // namespace dubbo::msgpack
