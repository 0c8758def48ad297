#include "codec/hessian2/reader.h"
