#include "codec/java_types.h"

#include <algorithm>

namespace dubbo {

namespace {

// Magnitudes are little-endian vectors of base-2^32 limbs during conversion.
using Limbs = std::vector<uint32_t>;

// limbs = limbs * mul + add
void MulAdd(Limbs* limbs, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (auto& limb : *limbs) {
    const uint64_t v = static_cast<uint64_t>(limb) * mul + carry;
    limb = static_cast<uint32_t>(v);
    carry = v >> 32;
  }
  if (carry != 0) limbs->push_back(static_cast<uint32_t>(carry));
}

// limbs = limbs / div, returns the remainder.
uint32_t DivMod(Limbs* limbs, uint32_t div) {
  uint64_t rem = 0;
  for (size_t i = limbs->size(); i-- > 0;) {
    const uint64_t cur = (rem << 32) | (*limbs)[i];
    (*limbs)[i] = static_cast<uint32_t>(cur / div);
    rem = cur % div;
  }
  while (!limbs->empty() && limbs->back() == 0) limbs->pop_back();
  return static_cast<uint32_t>(rem);
}

}  // namespace

Result<BigInteger> BigInteger::FromMagnitude(int32_t signum, const std::vector<int32_t>& mag) {
  if (signum < -1 || signum > 1) {
    return Status(StatusCode::kDecodeError, "BigInteger signum " + std::to_string(signum));
  }
  Limbs limbs;
  limbs.reserve(mag.size());
  for (auto it = mag.rbegin(); it != mag.rend(); ++it) limbs.push_back(static_cast<uint32_t>(*it));
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  if (limbs.empty() || signum == 0) return BigInteger{"0"};
  std::string digits;
  while (!limbs.empty()) {
    uint32_t chunk = DivMod(&limbs, 1000000000u);
    for (int i = 0; i < 9; ++i) {
      digits.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (signum < 0) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return BigInteger{std::move(digits)};
}

Status BigInteger::ToMagnitude(int32_t* signum, std::vector<int32_t>* mag) const {
  std::string_view text = value;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status(StatusCode::kInvalidArgument,
                  "BigInteger is not a decimal integer: \"" + value + "\"");
  }
  Limbs limbs;
  for (char c : text) MulAdd(&limbs, 10, static_cast<uint32_t>(c - '0'));
  mag->clear();
  for (auto it = limbs.rbegin(); it != limbs.rend(); ++it)
    mag->push_back(static_cast<int32_t>(*it));
  *signum = limbs.empty() ? 0 : (negative ? -1 : 1);
  return Status::Ok();
}

std::string JavaException::ToString() const {
  std::string s = class_name;
  if (message) {
    s += ": ";
    s += *message;
  }
  return s;
}

bool operator==(const JavaException& a, const JavaException& b) {
  if (a.class_name != b.class_name || a.message != b.message || a.stack_trace != b.stack_trace ||
      a.extra_fields.size() != b.extra_fields.size()) {
    return false;
  }
  for (size_t i = 0; i < a.extra_fields.size(); ++i) {
    if (a.extra_fields[i].first != b.extra_fields[i].first ||
        !(a.extra_fields[i].second == b.extra_fields[i].second)) {
      return false;
    }
  }
  if ((a.cause == nullptr) != (b.cause == nullptr)) return false;
  return a.cause == nullptr || *a.cause == *b.cause;
}

}  // namespace dubbo
