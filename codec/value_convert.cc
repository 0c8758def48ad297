#include "codec/value_convert.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace dubbo::value_convert_internal {

namespace {

constexpr uint32_t kMaxDepth = 128;  // as the Hessian reader's nesting limit
// Values readable through references: 16 x the message plus 1 Mi, the Hessian reader's re-read
// budget, so shared references cannot expand a small message into unbounded work.
constexpr uint64_t kBudgetFactor = 16;
constexpr uint64_t kBudgetBase = uint64_t{1} << 20;

// Key of the shared empty suppressedExceptions list (Java's Collections.EMPTY_LIST singleton).
constexpr char kEmptyListKey = 0;

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

std::string DoubleText(double d) {
  char buf[64];
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e21) {
    std::snprintf(buf, sizeof buf, "%.0f", d);
    return buf;
  }
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

std::string Describe(const Value& v) {
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
    case Value::Kind::kDate:
      return "date " + std::to_string(v.as_date().millis);
    case Value::Kind::kString: {
      const std::string& s = v.as_string();
      return "string " + (s.size() > 40 ? Quote(s.substr(0, 40)) + "..." : Quote(s));
    }
    case Value::Kind::kBinary:
      return "binary of " + std::to_string(v.as_binary().size()) + " bytes";
    case Value::Kind::kList:
      return v.as_list().type.empty() ? "list" : "list " + v.as_list().type;
    case Value::Kind::kMap:
      return v.as_map().type.empty() ? "map" : "map " + v.as_map().type;
    case Value::Kind::kObject:
      return "object " + v.as_object().class_name;
    case Value::Kind::kRef:
      return "reference " + std::to_string(v.as_ref().index);
  }
  return "value";
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '$';
    if (!ok) return false;
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char ch) {
      return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Java's number parsers take a leading '+', std::from_chars does not.
std::string_view StripPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

// Java's BigDecimal(String) grammar: [sign] (digits [. [digits]] | . digits) [(e|E) [sign] digits].
bool IsDecimalText(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// BigDecimal.toString() of unscaled digits `u` (no sign) and `scale`.
std::string BigDecimalText(std::string u, int64_t scale) {
  if (scale == 0) return u;
  const int64_t adjusted = -scale + static_cast<int64_t>(u.size()) - 1;
  if (scale > 0 && adjusted >= -6) {
    const int64_t point = static_cast<int64_t>(u.size()) - scale;
    if (point > 0) return u.insert(static_cast<size_t>(point), ".");
    return "0." + std::string(static_cast<size_t>(-point), '0') + u;
  }
  std::string out(1, u[0]);
  if (u.size() > 1) out += "." + u.substr(1);
  out += adjusted >= 0 ? "E+" : "E";
  return out + std::to_string(adjusted);
}

// new BigDecimal(Double.toString(d)).toString(), for JDK 19+'s shortest Double.toString.
std::string DoubleAsBigDecimal(double d) {
  const bool negative = std::signbit(d) && d != 0;
  const double a = std::fabs(d);
  char buf[64];
  std::string text;
  if (a == 0 || (a >= 1e-3 && a < 1e7)) {
    // Double.toString's plain form: the shortest digits, at least one after the point.
    const auto res = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::fixed);
    text.assign(buf, res.ptr);
    if (text.find('.') == std::string::npos) text += ".0";
  } else {
    // Computerized scientific notation "d.dddE±n" as BigDecimal reads and prints it.
    const auto res = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::scientific);
    const std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
    const size_t e = sci.find('e');
    std::string digits;
    for (char ch : sci.substr(0, e))
      if (ch != '.') digits.push_back(ch);
    if (digits.size() == 1) digits.push_back('0');
    int exponent = 0;
    const std::string_view exp_text = StripPlus(sci.substr(e + 1));
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    const int64_t scale = static_cast<int64_t>(digits.size()) - 1 - exponent;
    text = BigDecimalText(std::move(digits), scale);
  }
  return negative ? "-" + text : text;
}

}  // namespace

// --- ToContext -----------------------------------------------------------------------------------
void ToContext::Skip(const Value& v) {
  // Iterative: a Value passed in may nest deeper than the stack allows recursion.
  std::vector<const Value*> pending{&v};
  while (!pending.empty()) {
    const Value* n = pending.back();
    pending.pop_back();
    if (const List* l = n->if_list()) {
      ++next_slot_;
      for (const auto& item : l->items) pending.push_back(&item);
    } else if (const Map* m = n->if_map()) {
      ++next_slot_;
      for (const auto& [key, value] : m->entries) {
        pending.push_back(&key);
        pending.push_back(&value);
      }
    } else if (const Object* o = n->if_object()) {
      ++next_slot_;
      for (const auto& [name, value] : o->fields) pending.push_back(&value);
    }
  }
}

int64_t ToContext::FindSingleton(const void* key, int64_t discriminator) const {
  for (const auto& s : singletons_)
    if (s.key == key && s.discriminator == discriminator) return s.slot;
  return -1;
}

void ToContext::RememberSingleton(const void* key, int64_t discriminator, uint32_t slot) {
  singletons_.push_back({key, discriminator, slot});
}

// --- FromContext ---------------------------------------------------------------------------------
uint64_t FromContext::Budget() const {
  if (budget_ == 0) {
    uint64_t values = 0;
    for (uint32_t i = 0; refs_ != nullptr && i < refs_->size(); ++i) {
      const Value* n = refs_->Get(Ref{i});
      if (const List* l = n->if_list()) values += 1 + l->items.size();
      if (const Map* m = n->if_map()) values += 1 + 2 * m->entries.size();
      if (const Object* o = n->if_object()) values += 1 + o->fields.size();
    }
    budget_ = kBudgetFactor * values + kBudgetBase;
  }
  return budget_;
}

Status FromContext::Enter(const Value& v, const Value** node) {
  const Value* n = &v;
  const bool via_ref = v.kind() == Value::Kind::kRef;
  if (via_ref) {
    const std::string ref = "reference " + std::to_string(v.as_ref().index);
    if (refs_ == nullptr)
      return Error(ref, " cannot be resolved without the message's reference table");
    n = refs_->Get(v.as_ref());
    if (n == nullptr) {
      const size_t count = refs_->size();
      return Error(ref, " is out of range (the message has " + std::to_string(count) +
                            (count == 1 ? " container)" : " containers)"));
    }
    for (const Frame& f : frames_)
      if (f.node == n) return Error(ref, " cycles back into a value being converted");
  }
  if ((via_ref || expanding_ > 0) && ++expanded_ > Budget()) {
    return Error("references", " expand to more than " + std::to_string(Budget()) + " values");
  }
  if (n->is_container()) {
    if (depth_ >= kMaxDepth)
      return Error("value", " is nested deeper than " + std::to_string(kMaxDepth) + " levels");
    ++depth_;
  }
  if (via_ref) ++expanding_;
  frames_.push_back({n, via_ref});
  *node = n;
  return Status::Ok();
}

void FromContext::Leave() {
  const Frame f = frames_.back();
  frames_.pop_back();
  if (f.node->is_container()) --depth_;
  if (f.via_ref) --expanding_;
}

const Value* FromContext::Target(const Value& ref) const {
  if (refs_ == nullptr || ref.kind() != Value::Kind::kRef) return nullptr;
  return refs_->Get(ref.as_ref());
}

std::string FromContext::Path() const {
  std::string out = "$";
  for (const Segment& s : path_) {
    switch (s.kind) {
      case Segment::kField:
        out += IsIdentifier(s.name) ? "." + std::string(s.name) : "[" + Quote(s.name) + "]";
        break;
      case Segment::kIndex:
        out += "[" + std::to_string(s.index) + "]";
        break;
      case Segment::kMapKey:
        out += "[key " + std::to_string(s.index) + "]";
        break;
      case Segment::kMapValue: {
        int64_t i = 0;
        if (const std::string* str = s.key->if_string()) {
          out += "[" + Quote(*str) + "]";
        } else if (s.key->GetInteger(&i)) {
          out += "[" + std::to_string(i) + "]";
        } else {
          out += "[value " + std::to_string(s.index) + "]";
        }
        break;
      }
    }
  }
  return out;
}

Status FromContext::Mismatch(std::string_view expected, const Value& found) const {
  return Invalid("expected " + std::string(expected) + " at " + Path() + ", found " +
                 Describe(found));
}

Status FromContext::DoesNotFit(std::string_view text, std::string_view type) const {
  return Invalid("value " + std::string(text) + " at " + Path() + " does not fit " +
                 std::string(type));
}

Status FromContext::Error(std::string_view before, std::string_view after) const {
  return Invalid(std::string(before) + " at " + Path() + std::string(after));
}

// --- shared readers ------------------------------------------------------------------------------
Status ForEachNamed(FromContext& c, const Value& node,
                    FunctionRef<Status(std::string_view, const Value&)> f) {
  auto visit = [&](std::string_view name, const Value& v) {
    if (name == "class") return Status::Ok();  // the generic map's type tag, never a Java field
    c.PushField(name);
    Status s = f(name, v);
    c.Pop();
    return s;
  };
  if (const Object* o = node.if_object()) {
    for (const auto& [name, v] : o->fields) DUBBO_RETURN_IF_ERROR(visit(name, v));
  } else if (const Map* m = node.if_map()) {
    for (const auto& [key, v] : m->entries)
      if (const std::string* name = key.if_string()) DUBBO_RETURN_IF_ERROR(visit(*name, v));
  }
  return Status::Ok();
}

Status ReadInteger(FromContext& c, const Value& n, int64_t min, int64_t max, std::string_view type,
                   int64_t* out) {
  int64_t i = 0;
  switch (n.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kLong:
      n.GetInteger(&i);
      break;
    case Value::Kind::kDouble: {
      const double d = n.as_double();
      if (!std::isfinite(d) || d != std::trunc(d)) return c.Mismatch(type, n);
      if (d < -0x1p63 || d >= 0x1p63) return c.DoesNotFit(DoubleText(d), type);
      i = static_cast<int64_t>(d);
      break;
    }
    case Value::Kind::kString: {
      // PojoUtils.realize parses strings into numbers (CompatibleTypeUtils.compatibleTypeConvert).
      const std::string_view s = StripPlus(n.as_string());
      const auto res = std::from_chars(s.data(), s.data() + s.size(), i);
      if (res.ptr != s.data() + s.size() || s.empty()) return c.Mismatch(type, n);
      if (res.ec == std::errc::result_out_of_range) return c.DoesNotFit(n.as_string(), type);
      if (res.ec != std::errc()) return c.Mismatch(type, n);
      break;
    }
    default:
      return c.Mismatch(type, n);
  }
  if (i < min || i > max) return c.DoesNotFit(std::to_string(i), type);
  *out = i;
  return Status::Ok();
}

Status ReadDouble(FromContext& c, const Value& n, std::string_view type, double* out) {
  int64_t i = 0;
  if (n.kind() == Value::Kind::kDouble) {
    *out = n.as_double();
  } else if (n.GetInteger(&i)) {
    *out = static_cast<double>(i);
  } else if (const std::string* str = n.if_string()) {
    const std::string_view s = StripPlus(*str);
    double d = 0;
    const auto res = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || res.ptr != s.data() + s.size()) return c.Mismatch(type, n);
    if (res.ec == std::errc::result_out_of_range) return c.DoesNotFit(*str, type);
    if (res.ec != std::errc()) return c.Mismatch(type, n);
    *out = d;
  } else {
    return c.Mismatch(type, n);
  }
  return Status::Ok();
}

Status ReadMillis(FromContext& c, const Value& n, int64_t* out) {
  if (n.kind() == Value::Kind::kDate) {
    *out = n.as_date().millis;
    return Status::Ok();
  }
  if (n.GetInteger(out)) return Status::Ok();  // realize: Number -> new Date(longValue)
  if (n.if_object() != nullptr || n.if_map() != nullptr) {
    // java.sql.Timestamp / Date / Time: an object with a date "value".
    if (const Value* v = n.Find("value")) {
      if (v->is_null()) {
        *out = 0;
        return Status::Ok();
      }
      if (v->kind() == Value::Kind::kDate) {
        *out = v->as_date().millis;
        return Status::Ok();
      }
      if (v->GetInteger(out)) return Status::Ok();
      c.PushField("value");
      Status s = c.Mismatch("date", *v);
      c.Pop();
      return s;
    }
  }
  return c.Mismatch("date", n);
}

Status ReadEnumName(FromContext& c, const Value& n, std::string_view java_class,
                    std::string_view* name) {
  if (const std::string* s = n.if_string()) {
    *name = *s;
    return Status::Ok();
  }
  if (n.if_object() != nullptr || n.if_map() != nullptr) {
    if (const Value* v = n.Find("name")) {
      if (const std::string* s = v->if_string()) {
        *name = *s;
        return Status::Ok();
      }
      c.PushField("name");
      Status s = c.Mismatch("string", *v);
      c.Pop();
      return s;
    }
  }
  return c.Mismatch("enum " + std::string(java_class), n);
}

Status UnknownConstant(const FromContext& c, std::string_view name, std::string_view java_class) {
  return c.Error("unknown constant " + Quote(name) + " of enum " + std::string(java_class));
}

double FloatToWire(float v) {
  if (!std::isfinite(v)) return static_cast<double>(v);
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as v
  double d = static_cast<double>(v);
  std::from_chars(buf, res.ptr, d);
  return d;
}

// --- scalars -------------------------------------------------------------------------------------
Status Converter<bool>::From(FromContext& c, const Value& n, bool* out) {
  int64_t i = 0;
  if (n.kind() == Value::Kind::kBool) {
    *out = n.as_bool();
  } else if (n.GetInteger(&i)) {
    *out = i != 0;
  } else if (const std::string* s = n.if_string(); s != nullptr && EqualsIgnoreCase(*s, "true")) {
    *out = true;
  } else if (s != nullptr && EqualsIgnoreCase(*s, "false")) {
    *out = false;
  } else {
    return c.Mismatch("bool", n);
  }
  return Status::Ok();
}

Status Converter<std::string>::From(FromContext& c, const Value& n, std::string* out) {
  const std::string* s = n.if_string();
  if (s == nullptr) return c.Mismatch("string", n);
  *out = *s;
  return Status::Ok();
}

Status Converter<Binary>::From(FromContext& c, const Value& n, Binary* out) {
  if (n.kind() != Value::Kind::kBinary) return c.Mismatch("binary", n);
  *out = n.as_binary();
  return Status::Ok();
}

// --- exceptions ----------------------------------------------------------------------------------
namespace {

Value StackTraceElementValue(ToContext& c, const StackTraceElement& e) {
  c.Begin();
  const Value file = Value::String(e.file_name);
  if (!c.generic()) {
    // JDK 9+'s eight fields, as the typed writer sends them (loader and module null, format 0).
    return Value::FromObject(Object{"java.lang.StackTraceElement",
                                    {{"classLoaderName", Value()},
                                     {"moduleName", Value()},
                                     {"moduleVersion", Value()},
                                     {"declaringClass", Value::String(e.declaring_class)},
                                     {"methodName", Value::String(e.method_name)},
                                     {"fileName", file},
                                     {"lineNumber", Value::Int(e.line_number)},
                                     {"format", Value::Int(0)}}});
  }
  // Its bean properties on JDK 9+ (getClassName, ..., isNativeMethod).
  Map m;
  auto put = [&](const char* key, Value v) {
    m.entries.emplace_back(Value::String(key), std::move(v));
  };
  put("class", Value::String("java.lang.StackTraceElement"));
  put("classLoaderName", Value());
  put("moduleName", Value());
  put("moduleVersion", Value());
  put("className", Value::String(e.declaring_class));
  put("methodName", Value::String(e.method_name));
  put("fileName", file);
  put("lineNumber", Value::Int(e.line_number));
  put("nativeMethod", Value::Bool(e.line_number == -2));  // Java's marker for a native frame
  return Value::FromMap(std::move(m));
}

}  // namespace

Value ThrowableToValue(ToContext& c, std::string_view java_class, const Throwable& t,
                       FunctionRef<void(FieldList*)> own) {
  const uint32_t self = c.Begin();
  FieldList fields;
  own(&fields);
  const Value message = t.message ? Value::String(*t.message) : Value();
  if (!c.generic()) {
    fields.emplace_back("detailMessage", message);
    // Java's Throwable.cause == this means "no cause".
    fields.emplace_back("cause",
                        t.cause ? Converter<JavaException>::To(c, *t.cause) : Value::FromRef(self));
    c.Begin();
    List stack{"[java.lang.StackTraceElement", {}};
    for (const auto& e : t.stack_trace) stack.items.push_back(StackTraceElementValue(c, e));
    fields.emplace_back("stackTrace", Value::FromList(std::move(stack)));
    // One shared Collections.EMPTY_LIST per message, as Java's singleton is written.
    if (const int64_t slot = c.FindSingleton(&kEmptyListKey, 0); slot >= 0) {
      fields.emplace_back("suppressedExceptions", Value::FromRef(static_cast<uint32_t>(slot)));
    } else {
      c.RememberSingleton(&kEmptyListKey, 0, c.Begin());
      fields.emplace_back("suppressedExceptions",
                          Value::FromList({"java.util.Collections$EmptyList", {}}));
    }
    return Value::FromObject(Object{std::string(java_class), std::move(fields)});
  }
  // PojoUtils.generalize of a Throwable: its bean properties (getMessage, getLocalizedMessage,
  // getCause — null when cause == this —, getStackTrace and getSuppressed, both arrays).
  Map m;
  auto put = [&](std::string key, Value v) {
    m.entries.emplace_back(Value::String(std::move(key)), std::move(v));
  };
  put("class", Value::String(std::string(java_class)));
  for (auto& [name, v] : fields) put(std::move(name), std::move(v));
  put("message", message);
  put("localizedMessage", message);
  put("cause", t.cause ? Converter<JavaException>::To(c, *t.cause) : Value());
  c.Begin();
  List stack{"[object", {}};
  for (const auto& e : t.stack_trace) stack.items.push_back(StackTraceElementValue(c, e));
  put("stackTrace", Value::FromList(std::move(stack)));
  c.Begin();
  put("suppressed", Value::FromList({"[object", {}}));
  return Value::FromMap(std::move(m));
}

Status ReadThrowableField(FromContext& c, std::string_view name, const Value& v, Throwable* t,
                          bool* handled) {
  *handled = true;
  if (name == "detailMessage" || name == "message") return Read(c, v, &t->message);
  if (name == "cause") {
    // null (generalize) or a reference to the exception itself (the wire) both mean none.
    if (v.is_null() ||
        (v.kind() == Value::Kind::kRef && c.Current() != nullptr && c.Target(v) == c.Current())) {
      t->cause.reset();
      return Status::Ok();
    }
    auto cause = std::make_shared<JavaException>();
    DUBBO_RETURN_IF_ERROR(Read(c, v, cause.get()));
    t->cause = std::move(cause);
    return Status::Ok();
  }
  if (name == "stackTrace") return Read(c, v, &t->stack_trace);
  // Not kept: suppressed exceptions, and the getter's copy of the message.
  if (name == "suppressedExceptions" || name == "suppressed" || name == "localizedMessage") {
    return Status::Ok();
  }
  *handled = false;
  return Status::Ok();
}

Value Converter<JavaException>::To(ToContext& c, const JavaException& v) {
  return ThrowableToValue(c, v.class_name, v, [&](FieldList* fields) {
    for (const auto& [name, value] : v.extra_fields) {
      c.Skip(value);
      fields->emplace_back(name, value);
    }
  });
}

Status Converter<JavaException>::From(FromContext& c, const Value& n, JavaException* out) {
  if (n.if_object() == nullptr && n.if_map() == nullptr) return c.Mismatch("exception", n);
  *out = JavaException();
  if (const Object* o = n.if_object()) {
    out->class_name = o->class_name;
  } else if (const Value* cls = n.Find("class"); cls != nullptr && cls->if_string() != nullptr) {
    out->class_name = cls->as_string();
  }
  return ForEachNamed(c, n, [&](std::string_view name, const Value& v) {
    bool handled = false;
    DUBBO_RETURN_IF_ERROR(ReadThrowableField(c, name, v, out, &handled));
    if (!handled) out->extra_fields.emplace_back(std::string(name), v);
    return Status::Ok();
  });
}

Status Converter<StackTraceElement>::From(FromContext& c, const Value& n, StackTraceElement* out) {
  if (n.if_object() == nullptr && n.if_map() == nullptr)
    return c.Mismatch("java.lang.StackTraceElement", n);
  *out = StackTraceElement();
  return ForEachNamed(c, n, [&](std::string_view name, const Value& v) {
    if (name == "declaringClass" || name == "className") return Read(c, v, &out->declaring_class);
    if (name == "methodName") return Read(c, v, &out->method_name);
    if (name == "fileName") return Read(c, v, &out->file_name);
    if (name == "lineNumber") return Read(c, v, &out->line_number);
    return Status::Ok();
  });
}

// --- Java value classes --------------------------------------------------------------------------
Value Converter<BigDecimal>::To(ToContext& c, const BigDecimal& v) {
  c.Begin();
  return Value::FromObject(Object{"java.math.BigDecimal", {{"value", Value::String(v.value)}}});
}

Status Converter<BigDecimal>::From(FromContext& c, const Value& n, BigDecimal* out) {
  constexpr std::string_view kType = "java.math.BigDecimal";
  const Value* text = &n;
  const bool object = n.if_object() != nullptr || n.if_map() != nullptr;
  if (object) {
    text = n.Find("value");
    if (text == nullptr) return c.Mismatch(kType, n);
    c.PushField("value");
  }
  Status s;
  int64_t i = 0;
  if (text->is_null() && object) {
    out->value.clear();  // as the typed reader reads a null value
  } else if (const std::string* str = text->if_string(); str != nullptr && IsDecimalText(*str)) {
    out->value = *str;
  } else if (text->GetInteger(&i)) {
    out->value = std::to_string(i);  // realize: new BigDecimal(number.toString())
  } else if (text->kind() == Value::Kind::kDouble && std::isfinite(text->as_double())) {
    out->value = DoubleAsBigDecimal(text->as_double());
  } else {
    s = c.Mismatch(kType, *text);
  }
  if (object) c.Pop();
  return s;
}

Value Converter<BigInteger>::To(ToContext& c, const BigInteger& v) {
  int32_t signum = 0;
  std::vector<int32_t> mag;
  if (!v.ToMagnitude(&signum, &mag).ok()) {
    signum = 0;  // not a decimal integer: zero, as the typed writer sends it
    mag.clear();
  }
  c.Begin();
  Object o{"java.math.BigInteger",
           {{"signum", Value::Int(signum)},
            {"bitCountPlusOne", Value::Int(0)},
            {"bitLengthPlusOne", Value::Int(0)},
            {"lowestSetBitPlusTwo", Value::Int(0)},
            {"firstNonzeroIntNumPlusTwo", Value::Int(0)}}};
  c.Begin();
  List words{"[int", {}};
  words.items.reserve(mag.size());
  for (int32_t m : mag) words.items.push_back(Value::Int(m));
  o.fields.emplace_back("mag", Value::FromList(std::move(words)));
  return Value::FromObject(std::move(o));
}

Status Converter<BigInteger>::From(FromContext& c, const Value& n, BigInteger* out) {
  constexpr std::string_view kType = "java.math.BigInteger";
  int32_t signum = 0;
  std::vector<int32_t> mag;
  if (n.if_object() != nullptr || n.if_map() != nullptr) {
    DUBBO_RETURN_IF_ERROR(ForEachNamed(c, n, [&](std::string_view name, const Value& v) {
      if (name == "signum") return Read(c, v, &signum);
      if (name == "mag") return Read(c, v, &mag);
      return Status::Ok();
    }));
  } else if (const std::string* s = n.if_string()) {
    // Normalised through the magnitude, as Java's BigInteger prints what it parsed.
    if (!BigInteger{*s}.ToMagnitude(&signum, &mag).ok()) return c.Mismatch(kType, n);
  } else if (int64_t i = 0; n.GetInteger(&i)) {
    out->value = std::to_string(i);
    return Status::Ok();
  } else if (n.kind() == Value::Kind::kDouble && std::isfinite(n.as_double()) &&
             n.as_double() == std::trunc(n.as_double())) {
    char buf[400];  // the largest double has 309 digits
    std::snprintf(buf, sizeof buf, "%.0f", n.as_double());
    if (!BigInteger{buf}.ToMagnitude(&signum, &mag).ok()) return c.Mismatch(kType, n);
  } else {
    return c.Mismatch(kType, n);
  }
  auto big = BigInteger::FromMagnitude(signum, mag);
  if (!big.ok()) return c.Error(big.status().message());
  *out = std::move(*big);
  return Status::Ok();
}

namespace {
Value DateObject(ToContext& c, const char* java_class, int64_t millis) {
  c.Begin();
  return Value::FromObject(Object{java_class, {{"value", Value::FromDate(millis)}}});
}
}  // namespace

Value Converter<SqlTimestamp>::To(ToContext& c, const SqlTimestamp& v) {
  return DateObject(c, "java.sql.Timestamp", v.millis);
}
Status Converter<SqlTimestamp>::From(FromContext& c, const Value& n, SqlTimestamp* out) {
  return ReadMillis(c, n, &out->millis);
}
Value Converter<SqlDate>::To(ToContext& c, const SqlDate& v) {
  return DateObject(c, "java.sql.Date", v.millis);
}
Status Converter<SqlDate>::From(FromContext& c, const Value& n, SqlDate* out) {
  return ReadMillis(c, n, &out->millis);
}
Value Converter<SqlTime>::To(ToContext& c, const SqlTime& v) {
  return DateObject(c, "java.sql.Time", v.millis);
}
Status Converter<SqlTime>::From(FromContext& c, const Value& n, SqlTime* out) {
  return ReadMillis(c, n, &out->millis);
}

}  // namespace dubbo::value_convert_internal
