// Run-time choice of the kernel table by CPU features (overridable with PITH_ISA for tests).
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels/kernels.h"
#include "pith/error.h"

namespace pith::kernels {
namespace generic {
extern const KernelTable kTable;
}
namespace avx2 {
extern const KernelTable kTable;
}
namespace avx512 {
extern const KernelTable kTable;
}

namespace {

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
}

const KernelTable& select() {
  const char* forced = std::getenv("PITH_ISA");
  if (forced != nullptr && *forced != '\0') {
    for (const KernelTable* table : supported_kernels()) {
      if (std::strcmp(forced, table->isa) == 0) return *table;
    }
    throw Error(
        ErrorCode::kUnsupported,
        std::string("PITH_ISA=") + forced +
            " is not an instruction set this CPU supports (expected generic, avx2 or avx512)");
  }
  return *supported_kernels().back();
}

}  // namespace

std::vector<const KernelTable*> supported_kernels() {
  std::vector<const KernelTable*> tables = {&generic::kTable};
  if (cpu_has_avx2()) tables.push_back(&avx2::kTable);
  if (cpu_has_avx512()) tables.push_back(&avx512::kTable);
  return tables;
}

const KernelTable& kernels() {
  static const KernelTable& table = select();
  return table;
}

}  // namespace pith::kernels
