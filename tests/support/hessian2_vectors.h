// The C++ side of the Hessian 2 interop vector table (tests/interop/VECTORS.md): the same names
// as the Java and JavaScript peers, each with the dynamic values Java's bytes decode to, and for
// many a typed C++ value that must encode to the same bytes and decode from them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codec/value.h"
#include "common/status.h"

namespace dubbo::testing {

struct HessianVector {
  std::string name;
  std::vector<Value> values;    // top-level values, references numbered across them
  bool exact_java = true;       // our bytes must equal Java's
  bool exact_js = true;         // ...and hessian.js's (for vectors hessian.js encodes)
  bool unordered_maps = false;  // compare HashMap entries regardless of order
  // Typed path, when set: encodes the typed C++ value, and decodes bytes into the typed value
  // comparing with it (returning a description of any difference).
  std::function<std::string()> typed_encode;
  std::function<Status(std::string_view)> typed_check;
};

const std::vector<HessianVector>& HessianVectors();

}  // namespace dubbo::testing
