// Names of the element types, for messages and the CLI.
#include "pith/matrix.h"

namespace pith {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
  }
  return "unknown";
}

}  // namespace pith
