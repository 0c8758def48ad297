// Value: the dynamic, codec-neutral data model used by generic calls, attachments and tools.
//
// A Value is a tree owned by value (copyable, movable). Hessian's shared and cyclic references are
// kept as explicit Ref nodes carrying the wire's reference number: containers (lists, maps,
// objects) are numbered 0, 1, 2 ... in the order they begin, across all top-level values of one
// message. So decoding and re-encoding a message reproduces its bytes, and no ownership cycle can
// exist. RefTable resolves Ref nodes when a caller needs the target.
//
// Strings hold UTF-8. Thread-safety: as for any std container.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dubbo {

class Value;

// java.util.Date as milliseconds since the epoch, UTC.
struct Date {
  int64_t millis = 0;
  friend bool operator==(Date a, Date b) { return a.millis == b.millis; }
};

// A reference to the n-th container of the message (Hessian 0x51).
struct Ref {
  uint32_t index = 0;
  friend bool operator==(Ref a, Ref b) { return a.index == b.index; }
};

using Binary = std::vector<uint8_t>;

// A list; `type` is the Java type name ("" for an untyped list, e.g. java.util.ArrayList).
struct List {
  std::string type;
  std::vector<Value> items;
};

// A map; `type` is the Java type name ("" for an untyped map, e.g. java.util.HashMap).
// Entries keep their wire order.
struct Map {
  std::string type;
  std::vector<std::pair<Value, Value>> entries;
};

// An object of a Java class with its fields in class-definition order.
struct Object {
  std::string class_name;
  std::vector<std::pair<std::string, Value>> fields;
};

class Value {
 public:
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kInt,
    kLong,
    kDouble,
    kDate,
    kString,
    kBinary,
    kList,
    kMap,
    kObject,
    kRef
  };

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool v) { return Value(Storage(std::in_place_type<bool>, v)); }
  static Value Int(int32_t v) { return Value(Storage(std::in_place_type<int32_t>, v)); }
  static Value Long(int64_t v) { return Value(Storage(std::in_place_type<int64_t>, v)); }
  static Value Double(double v) { return Value(Storage(std::in_place_type<double>, v)); }
  static Value FromDate(int64_t millis) {
    return Value(Storage(std::in_place_type<Date>, Date{millis}));
  }
  static Value String(std::string v) {
    return Value(Storage(std::in_place_type<std::string>, std::move(v)));
  }
  static Value FromBinary(Binary v) {
    return Value(Storage(std::in_place_type<Binary>, std::move(v)));
  }
  static Value FromList(List v) { return Value(Storage(std::in_place_type<List>, std::move(v))); }
  static Value FromMap(Map v) { return Value(Storage(std::in_place_type<Map>, std::move(v))); }
  static Value FromObject(Object v) {
    return Value(Storage(std::in_place_type<Object>, std::move(v)));
  }
  static Value FromRef(uint32_t index) {
    return Value(Storage(std::in_place_type<Ref>, Ref{index}));
  }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_container() const {
    return kind() == Kind::kList || kind() == Kind::kMap || kind() == Kind::kObject;
  }

  // Accessors: calling one for another kind is a programming error (std::bad_variant_access).
  bool as_bool() const { return std::get<bool>(v_); }
  int32_t as_int() const { return std::get<int32_t>(v_); }
  int64_t as_long() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  Date as_date() const { return std::get<Date>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const Binary& as_binary() const { return std::get<Binary>(v_); }
  const List& as_list() const { return std::get<List>(v_); }
  List& as_list() { return std::get<List>(v_); }
  const Map& as_map() const { return std::get<Map>(v_); }
  Map& as_map() { return std::get<Map>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }
  Ref as_ref() const { return std::get<Ref>(v_); }

  // Checked views: nullptr when the kind differs.
  const std::string* if_string() const { return std::get_if<std::string>(&v_); }
  const List* if_list() const { return std::get_if<List>(&v_); }
  const Map* if_map() const { return std::get_if<Map>(&v_); }
  const Object* if_object() const { return std::get_if<Object>(&v_); }

  // Integral value of an int or long (false for any other kind).
  bool GetInteger(int64_t* out) const;

  // An object's field or a map's string-keyed entry by name; nullptr when absent.
  const Value* Find(std::string_view name) const;

  // Structural equality. Doubles compare by value with NaN equal to NaN; map entries compare in
  // order (use EquivalentUnordered for HashMap semantics).
  friend bool operator==(const Value& a, const Value& b);

 private:
  using Storage = std::variant<std::monostate, bool, int32_t, int64_t, double, Date, std::string,
                               Binary, List, Map, Object, Ref>;
  explicit Value(Storage v) : v_(std::move(v)) {}
  Storage v_;
};

// Like ==, but map entries match regardless of order (Java HashMap iteration order is not part of
// a value's meaning).
bool EquivalentUnordered(const Value& a, const Value& b);

std::string_view KindName(Value::Kind kind);

// Resolves Ref nodes: indexes every container of `roots` in wire order (pre-order, across roots).
// The table borrows from `roots`, which must outlive it and stay unmodified.
class RefTable {
 public:
  explicit RefTable(const std::vector<Value>& roots);
  explicit RefTable(const Value& root);
  // The container a Ref points to; nullptr when the index is out of range.
  const Value* Get(Ref ref) const {
    return ref.index < nodes_.size() ? nodes_[ref.index] : nullptr;
  }
  // Follows `v` if it is a Ref (once; refs never point at refs).
  const Value& Deref(const Value& v) const;
  size_t size() const { return nodes_.size(); }

 private:
  void Index(const Value& v);
  std::vector<const Value*> nodes_;
};

}  // namespace dubbo
