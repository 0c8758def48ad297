#include "codec/hessian2/writer.h"
