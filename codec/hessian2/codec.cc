#include "codec/hessian2/codec.h"
