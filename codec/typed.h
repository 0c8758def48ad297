// Typed values through a runtime-selected serialization: WriteTyped / ReadTyped dispatch on the
// ObjectOutput's id to the built-in codec for T (hessian2::Codec<T> or msgpack::Codec<T>), with
// no intermediate tree. Serializations registered by users carry only scalars and Values.
//
// Exceptions in a response body have their own entry points because Dubbo's msgpack serialization
// writes them as two values (class name, then the object) while Hessian writes one object.
#pragma once

#include <type_traits>

#include "codec/hessian2/codec.h"
#include "codec/hessian2/serialization.h"
#include "codec/msgpack/codec.h"
#include "codec/msgpack/serialization.h"
#include "codec/serialization.h"

namespace dubbo {

template <typename T>
void WriteTyped(ObjectOutput& out, const T& v) {
  switch (out.id()) {
    case SerializationId::kHessian2:
      hessian2::Write(static_cast<hessian2::Hessian2ObjectOutput&>(out).writer(), v);
      return;
    case SerializationId::kMsgpack:
      msgpack::Write(static_cast<msgpack::MsgpackObjectOutput&>(out).packer(), v);
      return;
  }
}

template <typename T>
void ReadTyped(ObjectInput& in, T* v) {
  switch (in.id()) {
    case SerializationId::kHessian2:
      hessian2::Read(static_cast<hessian2::Hessian2ObjectInput&>(in).reader(), v);
      return;
    case SerializationId::kMsgpack:
      static_cast<msgpack::MsgpackObjectInput&>(in).ReadTyped(v);
      return;
  }
  in.Fail("typed values need a built-in serialization");
}

// T is JavaException or a struct deriving from Throwable.
template <typename T>
void WriteThrowable(ObjectOutput& out, const T& e) {
  static_assert(std::is_base_of_v<Throwable, T>);
  if (out.id() == SerializationId::kMsgpack) {
    static_cast<msgpack::MsgpackObjectOutput&>(out).WriteThrowable(e);
  } else {
    WriteTyped(out, e);
  }
}

template <typename T>
void ReadThrowable(ObjectInput& in, T* e) {
  static_assert(std::is_base_of_v<Throwable, T>);
  if (in.id() == SerializationId::kMsgpack) {
    static_cast<msgpack::MsgpackObjectInput&>(in).ReadThrowable(e);
  } else {
    ReadTyped(in, e);
  }
}

}  // namespace dubbo
