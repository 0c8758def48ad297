// The "hessian2" serialization (Dubbo id 2): ObjectOutput/ObjectInput over hessian2::Writer/Reader.
// One instance per message; not thread-safe.
#pragma once

#include "codec/hessian2/reader.h"
#include "codec/hessian2/writer.h"
#include "codec/serialization.h"

namespace dubbo::hessian2 {

class Hessian2ObjectOutput final : public ObjectOutput {
 public:
  explicit Hessian2ObjectOutput(std::string* out) : writer_(out) {}
  Writer& writer() { return writer_; }
  SerializationId id() const override { return SerializationId::kHessian2; }
  void WriteNull() override { writer_.WriteNull(); }
  void WriteBool(bool v) override { writer_.WriteBool(v); }
  void WriteInt(int32_t v) override { writer_.WriteInt(v); }
  void WriteLong(int64_t v) override { writer_.WriteLong(v); }
  void WriteDouble(double v) override { writer_.WriteDouble(v); }
  void WriteString(std::string_view v) override { writer_.WriteString(v); }
  void WriteValue(const Value& v) override { writer_.WriteValue(v); }
  void WriteMapBegin(size_t) override { writer_.WriteMapBegin(""); }
  void WriteMapEnd() override { writer_.WriteMapEnd(); }
  void WriteEncoded(std::string_view bytes) override { writer_.WriteEncoded(bytes); }

 private:
  Writer writer_;
};

class Hessian2ObjectInput final : public ObjectInput {
 public:
  explicit Hessian2ObjectInput(std::string_view in) : reader_(in) {}
  Reader& reader() { return reader_; }
  SerializationId id() const override { return SerializationId::kHessian2; }
  bool ok() const override { return reader_.ok(); }
  Status status() const override { return reader_.status(); }
  size_t offset() const override { return reader_.offset(); }
  bool AtEnd() override { return reader_.AtEnd(); }
  void Fail(std::string_view what) override { reader_.Fail(what); }
  bool ReadNullIf() override { return reader_.ReadNullIf(); }
  bool ReadBool() override { return reader_.ReadBool(); }
  int32_t ReadInt() override { return reader_.ReadInt(); }
  int64_t ReadLong() override { return reader_.ReadLong(); }
  double ReadDouble() override { return reader_.ReadDouble(); }
  bool ReadString(std::string* out) override { return reader_.ReadString(out); }
  void ReadValue(Value* out) override { reader_.ReadValue(out); }
  void Skip() override { reader_.Skip(); }
  Value::Kind PeekKind() override { return reader_.PeekKind(); }
  void SkipEncoded(size_t n) override { reader_.SkipBytes(n); }
  void ReadStringMap(std::vector<std::pair<std::string, Value>>* out) override {
    out->clear();
    std::string type;
    if (!reader_.BeginMap(&type)) return;
    out->reserve(8);  // Dubbo's attachments: path, interface, version, timeout, and a few more
    std::string key;
    while (reader_.HasMore()) {
      if (reader_.PeekKind() != Value::Kind::kString) {
        reader_.Skip();
        reader_.Skip();
        continue;
      }
      reader_.ReadString(&key);
      auto& entry = out->emplace_back(std::move(key), Value());
      if (reader_.PeekKind() == Value::Kind::kString) {
        std::string value;
        reader_.ReadString(&value);
        entry.second = Value::String(std::move(value));
      } else {
        reader_.ReadValue(&entry.second);
      }
      key.clear();
    }
    reader_.End();
  }

 private:
  Reader reader_;
};

class Hessian2Serialization final : public Serialization {
 public:
  SerializationId id() const override { return SerializationId::kHessian2; }
  std::string_view name() const override { return "hessian2"; }
  std::string_view NullBytes() const override { return "N"; }
  void Encode(std::string* out, FunctionRef<void(ObjectOutput&)> body) const override {
    Hessian2ObjectOutput o(out);
    body(o);
  }
  Status Decode(std::string_view in, FunctionRef<void(ObjectInput&)> body) const override {
    Hessian2ObjectInput i(in);
    body(i);
    return i.status();
  }
};

}  // namespace dubbo::hessian2
